import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../../src/domain/errors';
import { isNeverProxied, NoProxy } from '../../../../src/adapters/registry/no-proxy';
import { parseProxyUrl, proxyEnvironment, proxyFor } from '../../../../src/adapters/registry/proxy-environment';

describe('NoProxy (golang.org/x/net/http/httpproxy rules)', () => {
  // [NO_PROXY, host, port, bypassed]
  const table: [string, string, string, boolean][] = [
    ['', 'registry.example.com', '443', false],
    ['*', 'anything.example', '443', true],
    ['*', '10.1.2.3', '5000', true],
    ['  *  ,foo.com', 'bar.org', '443', true],
    // a domain matches itself and its subdomains; a leading dot (or *.) only subdomains
    ['example.com', 'example.com', '443', true],
    ['example.com', 'registry.example.com', '443', true],
    ['example.com', 'notexample.com', '443', false],
    ['.example.com', 'example.com', '443', false],
    ['.example.com', 'a.b.example.com', '443', true],
    ['*.example.com', 'example.com', '443', false],
    ['*.example.com', 'registry.example.com', '443', true],
    ['EXAMPLE.com', 'Registry.Example.COM', '443', true],
    // ports
    ['example.com:5000', 'example.com', '5000', true],
    ['example.com:5000', 'example.com', '443', false],
    ['.example.com:5000', 'r.example.com', '5000', true],
    ['10.0.0.5:5000', '10.0.0.5', '5000', true],
    ['10.0.0.5:5000', '10.0.0.5', '443', false],
    ['10.0.0.5', '10.0.0.5', '443', true],
    // CIDR ranges, any port
    ['10.0.0.0/8', '10.200.3.4', '443', true],
    ['10.0.0.0/8', '11.0.0.1', '443', false],
    ['192.168.1.0/24', '192.168.1.77', '5000', true],
    ['192.168.1.0/24', '192.168.2.1', '5000', false],
    ['fd00::/8', 'fd12:3456::1', '443', true],
    ['fd00::/8', 'fe80::1', '443', false],
    // IPv6 addresses, bare or bracketed with a port
    ['2001:db8::1', '2001:db8::1', '443', true],
    ['2001:db8::1', '2001:db8:0:0:0:0:0:1', '443', true],
    ['[2001:db8::1]:5000', '2001:db8::1', '5000', true],
    ['[2001:db8::1]:5000', '2001:db8::1', '443', false],
    // names never match IP entries and IPs never match names: nothing is resolved
    ['10.0.0.0/8', 'ten.example.com', '443', false],
    ['10.0.0.5', 'example.com', '443', false],
    ['example.com', '93.184.216.34', '443', false],
    // malformed entries are skipped, the rest still apply
    [':5000, ,bad/99, example.com', 'example.com', '443', true],
    ['10.0.0.0/99', '10.0.0.1', '443', false],
  ];
  it.each(table)('NO_PROXY=%j: %s:%s bypassed=%s', (value, host, port, bypassed) => {
    expect(new NoProxy(value).bypasses(host, port)).toBe(bypassed);
  });
});

describe('isNeverProxied (Go: localhost and loopback IPs)', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['127.0.0.1', true],
    ['127.4.5.6', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    // only the exact name: Go proxies subdomains of localhost like any host
    ['registry.localhost', false],
    ['0.0.0.0', false],
    ['10.0.0.1', false],
    ['example.com', false],
  ])('%s → %s', (host, expected) => {
    expect(isNeverProxied(host)).toBe(expected);
  });
});

describe('proxyEnvironment and proxyFor', () => {
  const env = proxyEnvironment({
    HTTPS_PROXY: 'http://alice:p%40ss@proxy.corp:3128',
    http_proxy: 'plain.corp:8080',
    no_proxy: '.internal,10.0.0.0/8',
  });

  it('picks HTTPS_PROXY for https URLs and HTTP_PROXY for http ones', () => {
    expect(proxyFor(env, new URL('https://registry.example.com/v2/'))?.origin).toBe('http://proxy.corp:3128');
    expect(proxyFor(env, new URL('http://registry.example.com:5000/v2/'))?.origin).toBe('http://plain.corp:8080');
  });

  it('never proxies loopback, and honours NO_PROXY with the URL default port', () => {
    for (const url of [
      'https://localhost:5000/v2/',
      'https://127.0.0.1/v2/',
      'https://[::1]:5000/v2/',
      'https://r.internal/v2/',
      'http://10.1.1.1/v2/',
    ])
      expect(proxyFor(env, new URL(url)), url).toBeUndefined();
    const ported = proxyEnvironment({ HTTPS_PROXY: 'proxy:1', NO_PROXY: 'r.example.com:443' });
    expect(proxyFor(ported, new URL('https://r.example.com/v2/'))).toBeUndefined();
    expect(proxyFor(ported, new URL('https://r.example.com:5000/v2/'))).toBeDefined();
  });

  it('does not fall back from one scheme to the other', () => {
    const onlyHttp = proxyEnvironment({ HTTP_PROXY: 'http://proxy:3128' });
    expect(proxyFor(onlyHttp, new URL('https://registry.example.com/v2/'))).toBeUndefined();
  });

  it('prefers the upper-case variable, then the lower-case one', () => {
    const both = proxyEnvironment({ HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2' });
    expect(both.https?.origin).toBe('http://upper:1');
    expect(both.https?.source).toBe('HTTPS_PROXY');
    const lower = proxyEnvironment({ HTTPS_PROXY: '', https_proxy: 'http://lower:2' });
    expect(lower.https?.source).toBe('https_proxy');
  });

  it('turns URL credentials into Proxy-Authorization and keeps them out of the origin', () => {
    expect(env.https).toEqual({
      origin: 'http://proxy.corp:3128',
      hostname: 'proxy.corp',
      port: 3128,
      tls: false,
      authorization: `Basic ${Buffer.from('alice:p@ss').toString('base64')}`,
      username: 'alice',
      source: 'HTTPS_PROXY',
    });
    expect(env.http).toMatchObject({ origin: 'http://plain.corp:8080', authorization: undefined, port: 8080 });
    expect(parseProxyUrl('http://[::1]:3128', 'HTTPS_PROXY')).toMatchObject({ hostname: '::1', port: 3128 });
    expect(parseProxyUrl('http://proxy', 'HTTPS_PROXY')).toMatchObject({ port: 80, tls: false });
    expect(parseProxyUrl('https://proxy', 'HTTPS_PROXY')).toMatchObject({ port: 443, tls: true });
  });

  it('rejects unsupported proxy schemes and malformed values without echoing them', () => {
    expect(() => parseProxyUrl('socks5://u:secret@proxy:1080', 'HTTPS_PROXY')).toThrow(ConfigurationError);
    expect(() => parseProxyUrl('socks5://u:secret@proxy:1080', 'HTTPS_PROXY')).toThrow(
      'HTTPS_PROXY uses socks5:// proxies, which are not supported; use an http:// or https:// proxy URL',
    );
    try {
      parseProxyUrl('http://u:secret@[bad', 'HTTP_PROXY');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toBe('HTTP_PROXY is not a valid proxy URL');
    }
  });
});
