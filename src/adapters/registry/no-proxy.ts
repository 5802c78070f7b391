import { BlockList } from 'node:net';
import { ipFamily } from './ip-family';

/**
 * `NO_PROXY` as Go reads it (golang.org/x/net/http/httpproxy), so a pipeline behaves the same
 * after moving from the Go resource. Comma-separated entries, case-insensitive, bad ones ignored:
 *   `*`                    nothing is proxied
 *   `10.0.0.0/8`, `fd00::/8`  CIDR ranges (IPv4 or IPv6), any port
 *   `1.2.3.4`, `[::1]:5000`   one IP address, optionally one port
 *   `example.com[:port]`   that host and all its subdomains
 *   `.example.com`, `*.example.com`  subdomains only
 * Domain entries never match an IP address, nor IP entries a name: nothing is resolved.
 */
export class NoProxy {
  private readonly all: boolean;
  /** Made only when NO_PROXY has a CIDR entry (a BlockList loads internals). */
  private ranges?: BlockList;
  private readonly addresses: { readonly ip: BlockList; readonly port: string }[] = [];
  private readonly domains: { readonly suffix: string; readonly exact: boolean; readonly port: string }[] = [];

  constructor(value: string) {
    let all = false;
    for (const raw of value.split(',')) {
      const entry = raw.trim().toLowerCase();
      if (entry === '') continue;
      if (entry === '*') {
        all = true;
        break;
      }
      if (this.addRange(entry)) continue;
      const { host, port } = splitEntry(entry);
      if (host === '') continue;
      const family = ipFamily(host);
      if (family !== 0) {
        const ip = new BlockList();
        ip.addAddress(host, family === 4 ? 'ipv4' : 'ipv6');
        this.addresses.push({ ip, port });
        continue;
      }
      const name = host.startsWith('*.') ? host.slice(1) : host;
      this.domains.push({
        suffix: name.startsWith('.') ? name : `.${name}`,
        exact: !name.startsWith('.'),
        port,
      });
    }
    this.all = all;
  }

  /** True when `host` (a name, or an IP without brackets) on `port` must be reached directly. */
  bypasses(host: string, port: string): boolean {
    if (this.all) return true;
    const name = host.toLowerCase();
    const family = ipFamily(name);
    if (family !== 0) {
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (this.ranges?.check(name, type)) return true;
      return this.addresses.some((a) => a.ip.check(name, type) && (a.port === '' || a.port === port));
    }
    return this.domains.some(
      (d) => (name.endsWith(d.suffix) || (d.exact && name === d.suffix.slice(1))) && (d.port === '' || d.port === port),
    );
  }

  private addRange(entry: string): boolean {
    const slash = entry.indexOf('/');
    if (slash < 0) return false;
    const network = entry.slice(0, slash);
    const bits = entry.slice(slash + 1);
    const family = ipFamily(network);
    if (family === 0 || !/^\d{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) return false;
    this.ranges ??= new BlockList();
    this.ranges.addSubnet(network, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
    return true;
  }
}

/** `host`, `host:port`, `[v6]:port` or a bare IPv6 address. */
function splitEntry(entry: string): { host: string; port: string } {
  const bracketed = /^\[([^\]]*)\](?::(\d*))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1] ?? '', port: bracketed[2] ?? '' };
  if (ipFamily(entry) === 6) return { host: entry, port: '' };
  const withPort = /^([^:]*):(\d+)$/.exec(entry);
  if (withPort) return { host: withPort[1] ?? '', port: withPort[2] ?? '' };
  return { host: entry, port: '' };
}

/**
 * Go's other rule, before NO_PROXY: `localhost` and loopback IPs (127.0.0.0/8, ::1) are never
 * proxied. Only that exact name: `registry.localhost` goes through the proxy like any other host.
 */
export function isNeverProxied(host: string): boolean {
  const name = host.toLowerCase();
  if (name === 'localhost') return true;
  const family = ipFamily(name);
  if (family === 4) return name.startsWith('127.');
  if (family === 6) return isLoopbackV6(name);
  return false;
}

let loopbackV6: BlockList | undefined;

/** `::1` and IPv4-mapped loopback; the BlockList is built on first use (it loads internals). */
export function isLoopbackV6(address: string): boolean {
  if (!loopbackV6) {
    loopbackV6 = new BlockList();
    loopbackV6.addAddress('::1', 'ipv6');
    loopbackV6.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');
  }
  return loopbackV6.check(address, 'ipv6');
}
