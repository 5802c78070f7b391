import { BlockList } from 'node:net';
import { ipFamily } from './ip-family';
import { isLoopbackV6 } from './no-proxy';
import { registryHostname } from '../../domain/image-reference';

/** Loopback and RFC 1918 ranges: registries there commonly run without TLS. */
let privateV4: BlockList | undefined;
function privateRangesV4(): BlockList {
  // Built on first use: a BlockList loads internals every cold `check` would pay for otherwise.
  if (!privateV4) {
    privateV4 = new BlockList();
    privateV4.addSubnet('127.0.0.0', 8, 'ipv4');
    privateV4.addSubnet('10.0.0.0', 8, 'ipv4');
    privateV4.addSubnet('172.16.0.0', 12, 'ipv4');
    privateV4.addSubnet('192.168.0.0', 16, 'ipv4');
  }
  return privateV4;
}

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
  if (family === 4) return privateRangesV4().check(host, 'ipv4');
  if (family === 6) return isLoopbackV6(host);
  return false;
}
