import { isIPv6 } from 'node:net';

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * `net.isIP`, without its cost on the common path: Node compiles a large IPv6 pattern on the first
 * `isIP` call (~10 ms of every cold `check`), so only a name with two colons is handed to it.
 */
export function ipFamily(host: string): 0 | 4 | 6 {
  const quad = DOTTED_QUAD.exec(host);
  if (quad)
    return quad.slice(1).every((part) => Number(part) <= 255 && (part === '0' || !part.startsWith('0'))) ? 4 : 0;
  // Every IPv6 literal has two colons at least; `host:port` has one.
  const colon = host.indexOf(':');
  return colon !== -1 && colon !== host.lastIndexOf(':') && isIPv6(host) ? 6 : 0;
}
