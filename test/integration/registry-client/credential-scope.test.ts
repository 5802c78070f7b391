/**
 * Credentials stay where they belong: no Basic credentials over plain HTTP to a token realm on
 * another host (unless `insecure`), no Authorization to another origin through a redirect or a
 * tag page's Link, and no redirect or Link to a scheme other than HTTP(S).
 *
 * The "other host" realm is `token.invalid`: the client sends plain-HTTP requests through
 * HTTP_PROXY, which here is a loopback server that records what reached it, so nothing leaves
 * 127.0.0.1 even if the refusal were missing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ResourceError } from '../../../src/domain/errors';
import {
  answer,
  answerJson,
  startHostileServer,
  type HostileHandler,
  type HostileRequest,
  type HostileServer,
} from '../support/hostile-server';
import { makeClient } from './client-fixture';
import { AuthenticationError } from '../../../src/ports/registry-errors';

const servers: HostileServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function server(handler: HostileHandler): Promise<HostileServer> {
  const s = await startHostileServer(handler);
  servers.push(s);
  return s;
}

const BASIC = `Basic ${Buffer.from('alice:secret').toString('base64')}`;
const fast = { timeoutMs: 5_000, retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20, totalMs: 10_000 } };
const repoOf = (s: HostileServer): { registry: string; path: string } => ({ registry: s.host, path: 'scope/repo' });
const credentialsFor = (s: HostileServer): Record<string, { username: string; password: string }> => ({
  [s.host]: { username: 'alice', password: 'secret' },
});

/** A registry that wants Basic credentials for everything but the ping, and routes the rest. */
async function basicRegistry(route: (request: HostileRequest) => void): Promise<HostileServer> {
  return server((request) => {
    if (request.target === '/v2/') return answerJson(request.socket, 200, {});
    if (request.headers.authorization !== BASIC)
      return answerJson(request.socket, 401, {}, { 'WWW-Authenticate': 'Basic realm="registry"' });
    route(request);
  });
}

async function failure(promise: Promise<unknown>): Promise<ResourceError> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as ResourceError,
  );
}

/** Build a client while HTTP_PROXY points at `proxy` (the transport reads it when it is made). */
function clientThrough(proxy: HostileServer, options: Parameters<typeof makeClient>[0]): ReturnType<typeof makeClient> {
  const saved = { HTTP_PROXY: process.env.HTTP_PROXY, http_proxy: process.env.http_proxy };
  process.env.HTTP_PROXY = proxy.url;
  delete process.env.http_proxy;
  try {
    return makeClient(options);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('Basic credentials and the token realm', () => {
  async function bearerRegistry(realm: string): Promise<HostileServer> {
    return server((request) => {
      if (request.headers.authorization === 'Bearer t0ken')
        return answerJson(request.socket, 200, { name: 'scope/repo', tags: ['v1'] });
      answerJson(request.socket, 401, {}, { 'WWW-Authenticate': `Bearer realm="${realm}",service="svc"` });
    });
  }
  const tokenProxy = (): Promise<HostileServer> =>
    server((request) => answerJson(request.socket, 200, { token: 't0ken' }));

  it('refuses to send them over plain HTTP to a realm on another host, naming the realm', async () => {
    const proxy = await tokenProxy();
    const s = await bearerRegistry('http://token.invalid/token');
    const { client } = clientThrough(proxy, { ...fast, credentials: credentialsFor(s) });
    const error = await failure(client.listTags(repoOf(s)));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toBe(
      `refusing to send the credentials for ${s.host} to token realm http://token.invalid over plain HTTP (another host); the realm must use HTTPS`,
    );
    expect(proxy.requests).toEqual([]);
  });

  it('sends them there when the pipeline set insecure: true', async () => {
    const proxy = await tokenProxy();
    const s = await bearerRegistry('http://token.invalid/token');
    const { client } = clientThrough(proxy, { ...fast, credentials: credentialsFor(s), insecureRegistries: [s.host] });
    expect(await client.listTags(repoOf(s))).toEqual(['v1']);
    expect(proxy.requests.map((r) => [r.target.split('?')[0], r.headers.authorization])).toEqual([
      ['http://token.invalid:80/token', BASIC],
    ]);
  });

  it('sends them over plain HTTP to a loopback realm, as they would go to a loopback registry', async () => {
    const realm = await server((request) => answerJson(request.socket, 200, { token: 't0ken' }));
    const s = await bearerRegistry(`${realm.url}/token`);
    const { client } = makeClient({ ...fast, credentials: credentialsFor(s) });
    expect(await client.listTags(repoOf(s))).toEqual(['v1']);
    expect(realm.requests.map((r) => r.headers.authorization)).toEqual([BASIC]);
  });
});

describe('redirects and Link headers', () => {
  it('refuses a tag page Link to a non-HTTP scheme in one line', async () => {
    for (const next of ['file:///etc/passwd', 'ftp://127.0.0.1/tags', 'data:,{"tags":["x"]}', 'javascript:alert(1)']) {
      const s = await basicRegistry(({ socket }) =>
        answerJson(socket, 200, { tags: ['a'] }, { Link: `<${next}>; rel="next"` }),
      );
      const { client } = makeClient({ ...fast, credentials: credentialsFor(s) });
      const error = await failure(client.listTags(repoOf(s)));
      const scheme = new URL(next).protocol;
      expect(error.message).toBe(
        `listing tags of ${s.host}/scope/repo failed: the next page's Link points to unsupported URL scheme ${scheme}`,
      );
    }
  });

  it('refuses a redirect to a non-HTTP scheme in one line', async () => {
    const s = await basicRegistry(({ socket }) => answer(socket, 307, { Location: 'file:///etc/shadow' }));
    const { client } = makeClient({ ...fast, credentials: credentialsFor(s) });
    const error = await failure(client.getManifest(repoOf(s), 'v1'));
    expect(error.message).toBe(
      `fetching manifest v1 of ${s.host}/scope/repo failed: redirect to unsupported URL scheme file:`,
    );
  });

  it('follows a tag page Link to another origin without the registry Authorization', async () => {
    const other = await server(({ socket }) => answerJson(socket, 200, { tags: ['b'] }));
    const s = await basicRegistry(({ socket }) =>
      answerJson(socket, 200, { tags: ['a'] }, { Link: `<${other.url}/v2/scope/repo/tags/list?last=a>; rel="next"` }),
    );
    const { client } = makeClient({ ...fast, credentials: credentialsFor(s) });
    expect(await client.listTags(repoOf(s))).toEqual(['a', 'b']);
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('follows a manifest redirect to another origin without the registry Authorization', async () => {
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    const other = await server(({ socket }) =>
      answer(socket, 200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }, manifest),
    );
    const s = await basicRegistry(({ socket }) => answer(socket, 307, { Location: `${other.url}/signed?sig=1` }));
    const { client } = makeClient({ ...fast, credentials: credentialsFor(s) });
    expect((await client.getManifest(repoOf(s), 'v1'))?.size).toBe(manifest.length);
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
  });
});
