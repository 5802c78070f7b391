import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { registryHostname } from '../../domain/image-reference';

/** Loopback and RFC 1918 ranges: registries there commonly run without TLS. */
const PRIVATE_V4 = new BlockList();
PRIVATE_V4.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE_V4.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE_V4.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE_V4.addSubnet('192.168.0.0', 16, 'ipv4');

const LOOPBACK_V6 = new BlockList();
LOOPBACK_V6.addAddress('::1', 'ipv6');

/**
 * Registries that are tried over HTTPS first and then plain HTTP without `insecure`, as
 * go-containerregistry's name.Registry.Scheme() allows: `localhost` and any `*.localhost`,
 * loopback (127.0.0.0/8, ::1) and RFC 1918 addresses (10/8, 172.16/12, 192.168/16), with or
 * without a port. Go matches only 127.0.0.1 and `localhost:PORT`; the whole loopback range and a
 * bare `localhost` are allowed too, since nothing but this machine answers there. Names such as
 * `registry.local` are not private by name alone and stay HTTPS-only, as in Go.
 */
export function mayUsePlainHttp(registry: string): boolean {
  // A bare IPv6 literal has no port to strip.
  const host = (ipFamily(registry) === 6 ? registry : registryHostname(registry)).toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const family = ipFamily(host);
  if (family === 4) return PRIVATE_V4.check(host, 'ipv4');
  if (family === 6) return LOOPBACK_V6.check(host, 'ipv6');
  return false;
}

/**
 * net.isIP without its IPv6 pattern unless the text has two colons (as every IPv6 address does,
 * and `host:port` does not): that pattern's first use costs 5–9 ms, and every run of every step
 * asks this about a `host:port` or a DNS name.
 */
function ipFamily(text: string): 0 | 4 | 6 {
  if (text.indexOf(':') !== text.lastIndexOf(':')) return isIPv6(text) ? 6 : 0;
  return isIPv4(text) ? 4 : 0;
}
