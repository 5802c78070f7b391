/**
 * bin/check, bin/in and bin/out through HTTPS_PROXY / HTTP_PROXY, as Go's client honours them.
 *
 * The registry is the real docker-registry on 127.0.0.1, but addressed by names the proxy rule
 * does not exempt: `registry.test` (routed by the test proxy to a TLS front with a test-CA
 * certificate) and `0.0.0.0:PORT` (which Linux connects to over loopback, so NO_PROXY can be
 * shown to bypass the proxy without any traffic leaving 127.0.0.1). Loopback names themselves
 * are never proxied (Go's rule), which is why neither is used here.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildImage, layerFromFiles, pushImage } from '../support/image-fixtures';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy';
import { startRegistry, type RunningRegistry } from '../support/registry-server';
import { startTokenServer, type TokenServer } from '../support/token-server';
import { runBin, type RunBinResult } from '../support/run-bin';
import { dockerSaveEntries, writeTarFile } from '../../unit/adapters/image-input/layout-fixtures';
import { startImpersonatedHost, testTls, type ImpersonatedHost } from './impersonated-host';

const PROXY_USER = 'alice';
const PROXY_PASSWORD = 'proxy-pw-7f3k';

let registry: RunningRegistry;
let front: ImpersonatedHost;
let proxy: ConnectProxy;
let work: string;
let digest: string;

const image = buildImage({ layers: [layerFromFiles([{ path: 'hello.txt', content: 'through the proxy' }])] });

/** No proxy variable from the test's own environment may leak into the child. */
function proxyEnv(vars: Record<string, string>): Record<string, string> {
  const blank = { HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '', NO_PROXY: '', no_proxy: '' };
  return { ...blank, ...vars };
}

function expectNoPassword(...results: RunBinResult[]): void {
  for (const r of results) expect(`${r.stdout}\n${r.stderr}`).not.toContain(PROXY_PASSWORD);
}

beforeAll(async () => {
  // Relative upload Locations, so `out` keeps using the https://registry.test name the client chose.
  registry = await startRegistry({ env: { REGISTRY_HTTP_RELATIVEURLS: 'true' } });
  front = await startImpersonatedHost(registry.port);
  proxy = await startConnectProxy({
    credentials: { username: PROXY_USER, password: PROXY_PASSWORD },
    routes: {
      'registry.test:443': `127.0.0.1:${front.port}`,
      [`0.0.0.0:${front.port}`]: `127.0.0.1:${front.port}`,
      [`0.0.0.0:${registry.port}`]: `127.0.0.1:${registry.port}`,
    },
  });
  digest = await pushImage(registry, 'proxied/app', 'v1', image);
  work = mkdtempSync(join(tmpdir(), 'proxy-it-'));
});
afterAll(async () => {
  await proxy?.stop();
  await front?.stop();
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  proxy.log.length = 0;
});

describe('HTTPS_PROXY', () => {
  const source = (): Record<string, unknown> => ({
    repository: 'registry.test/proxied/app',
    tag: 'v1',
    ca_certs: [front.caPem],
  });
  const env = (): Record<string, string> => proxyEnv({ HTTPS_PROXY: proxy.urlWith(PROXY_USER, PROXY_PASSWORD) });

  it('check, in and out tunnel through the proxy with its credentials, TLS verified inside the tunnel', async () => {
    const checked = await runBin('check', { source: source() }, { env: env() });
    expect(checked.stderr).toBe('');
    expect(checked.json).toEqual([{ tag: 'v1', digest }]);
    expect(proxy.log[0]).toEqual(
      expect.objectContaining({ method: 'CONNECT', target: 'registry.test:443', status: 200, user: PROXY_USER }),
    );

    const dest = mkdtempSync(join(work, 'in-'));
    const fetched = await runBin(
      'in',
      { source: source(), version: { tag: 'v1', digest } },
      { args: [dest], env: env() },
    );
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(readdirSync(join(dest, 'rootfs'))).toContain('hello.txt');

    const src = mkdtempSync(join(work, 'out-'));
    writeTarFile(join(src, 'image.tar'), dockerSaveEntries(image, 'tar'));
    const pushed = await runBin(
      'out',
      { source: { ...source(), repository: 'registry.test/proxied/pushed' }, params: { image: 'image.tar' } },
      { args: [src], env: env() },
    );
    expect(pushed.code, pushed.stderr).toBe(0);
    expect((pushed.json as { version: { digest: string } }).version.digest).toMatch(/^sha256:/);

    expect(proxy.log.every((e) => e.method === 'CONNECT' && e.target === 'registry.test:443')).toBe(true);
    expect(proxy.count({ status: 407 })).toBe(0);
    expectNoPassword(checked, fetched, pushed);
  });

  it('reports a missing or wrong proxy password in one line, without the password', async () => {
    const anonymous = await runBin('check', { source: source() }, { env: proxyEnv({ HTTPS_PROXY: proxy.url }) });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr.trim().split('\n')).toHaveLength(1);
    expect(anonymous.stderr).toContain(
      `proxy ${proxy.url} (HTTPS_PROXY) requires authentication (HTTP 407 to CONNECT registry.test:443)`,
    );

    const wrong = await runBin(
      'check',
      { source: source() },
      { env: proxyEnv({ https_proxy: proxy.urlWith(PROXY_USER, `${PROXY_PASSWORD}-old`) }) },
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toContain(`proxy ${proxy.url} (https_proxy) rejected the credentials of user alice`);
    expectNoPassword(anonymous, wrong);
    expect(proxy.log.map((e) => e.status)).toEqual([407, 407]);
  });

  it('an unsupported proxy URL is one configuration line that does not repeat it', async () => {
    const result = await runBin(
      'check',
      { source: source() },
      {
        env: proxyEnv({ HTTPS_PROXY: `socks5://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:1080` }),
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'check: HTTPS_PROXY uses socks5:// proxies, which are not supported; use an http:// or https:// proxy URL',
    );
    expectNoPassword(result);
  });

  it('a tunnel to an untrusted certificate fails as TLS, as a direct connection would', async () => {
    const result = await runBin('check', { source: { ...source(), ca_certs: [] } }, { env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/TLS certificate of registry registry\.test is not trusted/);
    expect(proxy.count({ method: 'CONNECT', status: 200 })).toBeGreaterThan(0);
  });
});

describe('an https:// proxy', () => {
  it('is spoken to over TLS, trusted through ca_certs, for tunnels and for forwarded plain HTTP', async () => {
    const tls = await testTls();
    const secure = await startConnectProxy({
      tls: { cert: tls.certPem, key: tls.keyPem },
      credentials: { username: PROXY_USER, password: PROXY_PASSWORD },
      routes: {
        'registry.test:443': `127.0.0.1:${front.port}`,
        [`0.0.0.0:${registry.port}`]: `127.0.0.1:${registry.port}`,
      },
    });
    try {
      const env = proxyEnv({ HTTPS_PROXY: secure.urlWith(PROXY_USER, PROXY_PASSWORD) });
      const source = { repository: 'registry.test/proxied/app', tag: 'v1', ca_certs: [front.caPem] };
      const checked = await runBin('check', { source }, { env });
      expect(checked.json, checked.stderr).toEqual([{ tag: 'v1', digest }]);
      expect(secure.count({ method: 'CONNECT', target: 'registry.test:443', status: 200 })).toBeGreaterThan(0);

      const untrusted = await runBin('check', { source: { ...source, ca_certs: [] } }, { env });
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr.trim().split('\n')).toHaveLength(1);
      expect(untrusted.stderr).toContain(
        `proxy ${secure.url} (HTTPS_PROXY) presents a certificate that is not trusted`,
      );
      expect(untrusted.stderr).not.toContain('insecure');

      const plain = await runBin(
        'check',
        {
          source: {
            repository: `0.0.0.0:${registry.port}/proxied/app`,
            tag: 'v1',
            insecure: true,
            ca_certs: [front.caPem],
          },
        },
        { env: proxyEnv({ HTTP_PROXY: secure.urlWith(PROXY_USER, PROXY_PASSWORD) }) },
      );
      expect(plain.json, plain.stderr).toEqual([{ tag: 'v1', digest }]);
      expect(secure.count({ method: 'HEAD', target: `0.0.0.0:${registry.port}`, status: 200 })).toBe(1);
      expectNoPassword(checked, untrusted, plain);
    } finally {
      await secure.stop();
    }
  });
});

describe('NO_PROXY', () => {
  const source = (): Record<string, unknown> => ({
    repository: `0.0.0.0:${front.port}/proxied/app`,
    tag: 'v1',
    ca_certs: [front.caPem],
  });

  it('without it, a non-loopback address goes through the proxy, one tunnel per direct connection', async () => {
    const before = front.connections();
    const direct = await runBin('check', { source: source() }, { env: proxyEnv({}) });
    expect(direct.json, direct.stderr).toEqual([{ tag: 'v1', digest }]);
    const directConnections = front.connections() - before;
    expect(proxy.log).toEqual([]);

    const env = proxyEnv({ HTTPS_PROXY: proxy.urlWith(PROXY_USER, PROXY_PASSWORD) });
    const result = await runBin('check', { source: source() }, { env });
    expect(result.json, result.stderr).toEqual([{ tag: 'v1', digest }]);
    // Keep-alive works inside tunnels as it does on direct connections.
    expect(proxy.count({ method: 'CONNECT', target: `0.0.0.0:${front.port}`, status: 200 })).toBe(directConnections);
    expect(front.connections() - before).toBe(2 * directConnections);
  });

  it.each(['0.0.0.0', '0.0.0.0:PORT', '0.0.0.0/8', 'example.com, 0.0.0.0/32', '*'])(
    'NO_PROXY=%s connects directly (the proxy is not even up)',
    async (pattern) => {
      const noProxy = pattern.replace('PORT', String(front.port));
      const result = await runBin(
        'check',
        { source: source() },
        {
          env: proxyEnv({ HTTPS_PROXY: 'http://127.0.0.1:9', no_proxy: noProxy }),
        },
      );
      expect(result.json, result.stderr).toEqual([{ tag: 'v1', digest }]);
    },
  );

  it('an entry for another port does not apply, so the dead proxy is tried and named', async () => {
    const result = await runBin(
      'check',
      { source: source() },
      {
        env: proxyEnv({ HTTPS_PROXY: 'http://127.0.0.1:9', NO_PROXY: '0.0.0.0:1' }),
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('proxy http://127.0.0.1:9 (HTTPS_PROXY)');
    expect(result.stderr).toContain('ECONNREFUSED');
  });
});

describe('HTTP_PROXY', () => {
  it('plain-HTTP registries are reached with absolute-URI requests through the proxy', async () => {
    const source = { repository: `0.0.0.0:${registry.port}/proxied/app`, tag: 'v1', insecure: true };
    const result = await runBin(
      'check',
      { source },
      {
        env: proxyEnv({ HTTP_PROXY: proxy.urlWith(PROXY_USER, PROXY_PASSWORD) }),
      },
    );
    expect(result.json, result.stderr).toEqual([{ tag: 'v1', digest }]);
    expect(proxy.count({ method: 'GET', target: `0.0.0.0:${registry.port}`, status: 200 })).toBeGreaterThan(0);
    expect(proxy.count({ method: 'HEAD', target: `0.0.0.0:${registry.port}`, status: 200 })).toBe(1);
    expect(proxy.log.every((e) => e.user === PROXY_USER)).toBe(true);
    expectNoPassword(result);
  });
});

describe('HTTP_PROXY refusing', () => {
  it('a forwarded request without credentials gets one line naming the proxy', async () => {
    const source = { repository: `0.0.0.0:${registry.port}/proxied/app`, tag: 'v1', insecure: true };
    const result = await runBin('check', { source }, { env: proxyEnv({ HTTP_PROXY: proxy.url }) });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(
      `proxy ${proxy.url} (HTTP_PROXY) requires authentication (HTTP 407 to GET http://0.0.0.0:${registry.port})`,
    );
  });
});

describe('a token realm on another public host', () => {
  let tokens: TokenServer;
  let tokenFront: ImpersonatedHost;
  let guarded: RunningRegistry;
  let guardedFront: ImpersonatedHost;
  let tokenProxy: ConnectProxy;

  beforeAll(async () => {
    tokens = await startTokenServer({ users: { ci: 'registry-pw-9q' } });
    tokenFront = await startImpersonatedHost(Number(new URL(tokens.url).port));
    // The registry sends clients to https://token.test/token; only the proxy knows where that is.
    guarded = await startRegistry({
      auth: { token: { ...tokens, url: 'https://token.test/token' } },
      env: { REGISTRY_HTTP_RELATIVEURLS: 'true' },
    });
    guardedFront = await startImpersonatedHost(guarded.port);
    tokenProxy = await startConnectProxy({
      routes: {
        'registry.test:443': `127.0.0.1:${guardedFront.port}`,
        'token.test:443': `127.0.0.1:${tokenFront.port}`,
      },
    });
  });
  afterAll(async () => {
    await tokenProxy?.stop();
    await guardedFront?.stop();
    await guarded?.stop();
    await tokenFront?.stop();
    await tokens?.stop();
  });

  it('is reached through the proxy too, for out and check', async () => {
    const source = {
      repository: 'registry.test/guarded/app',
      tag: 'v1',
      username: 'ci',
      password: 'registry-pw-9q',
      ca_certs: [front.caPem],
    };
    const env = proxyEnv({ HTTPS_PROXY: tokenProxy.url });
    const src = mkdtempSync(join(work, 'out-token-'));
    writeTarFile(join(src, 'image.tar'), dockerSaveEntries(image, 'tar'));
    const pushed = await runBin('out', { source, params: { image: 'image.tar' } }, { args: [src], env });
    expect(pushed.code, pushed.stderr).toBe(0);
    const { digest: pushedDigest } = (pushed.json as { version: { digest: string } }).version;

    const checked = await runBin('check', { source }, { env });
    expect(checked.json, checked.stderr).toEqual([{ tag: 'v1', digest: pushedDigest }]);
    expect(tokenProxy.count({ method: 'CONNECT', target: 'token.test:443', status: 200 })).toBeGreaterThan(0);
    expect(tokens.requests.some((r) => r.user === 'ci' && r.outcome === 'issued')).toBe(true);
  });
});
