import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { StaticCredentialsAuth } from '../../../support/static-credentials-auth';
import { DistributionRegistry } from '../../../../src/adapters/registry/registry-client';
import type { RegistryClientOptions } from '../../../../src/adapters/registry/registry-client-options';
import { DigestMismatchError, ResourceError } from '../../../../src/domain/errors';
import type { RepositoryRef } from '../../../../src/domain/image-reference';
import { MediaType } from '../../../../src/domain/media-types';
import { json, memoryLogger, serve, type MemoryLogger, type TestServer } from './support';
import { AuthenticationError } from '../../../../src/ports/registry-errors';

const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

const servers: TestServer[] = [];
const clients: DistributionRegistry[] = [];
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(handler: Parameters<typeof serve>[0]): Promise<TestServer> {
  const s = await serve(handler);
  servers.push(s);
  return s;
}

function client(
  host: string,
  extra: Partial<RegistryClientOptions> = {},
  logger: MemoryLogger = memoryLogger(),
): DistributionRegistry {
  const c = new DistributionRegistry({
    auth: new StaticCredentialsAuth({}),
    logger,
    retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 5, totalMs: 5_000 },
    timeoutMs: 2_000,
    ...extra,
  });
  clients.push(c);
  void host;
  return c;
}

const repoOf = (s: TestServer, path = 'foo/bar'): RepositoryRef => ({ registry: s.host, path });
const registryRequests = (s: TestServer): string[] =>
  s.requests.filter((r) => r.url !== '/v2/').map((r) => `${r.method} ${r.url}`);

const manifest = Buffer.from(
  JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: {}, layers: [] }),
);

describe('DistributionRegistry against a scripted registry', () => {
  it('fetches one token per scope for the run, with Basic credentials and the challenge service', async () => {
    const token = { issued: 0 };
    const s = await server((req, res) => {
      if (req.url.startsWith('/token')) {
        token.issued++;
        json(res, 200, { access_token: `tok-${token.issued}`, expires_in: 300 });
        return;
      }
      if (req.headers.authorization !== `Bearer tok-${token.issued}` || token.issued === 0) {
        const scope = req.url === '/v2/' ? '' : ',scope="repository:foo/bar:pull"';
        json(
          res,
          401,
          { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
          {
            'WWW-Authenticate': `Bearer realm="http://${host()}/token",service="test-registry"${scope}`,
          },
        );
        return;
      }
      if (req.url.includes('/manifests/')) {
        res.writeHead(200, {
          'Content-Type': MediaType.OciManifest,
          'Docker-Content-Digest': sha256(manifest),
          'Content-Length': manifest.length,
        });
        res.end(req.method === 'HEAD' ? undefined : manifest);
        return;
      }
      json(res, 200, { name: 'foo/bar', tags: ['a'] });
    });
    const host = (): string => s.host;
    const c = client(s.host, {
      auth: new StaticCredentialsAuth({ [s.host]: { username: 'alice', password: 'secret' } }),
    });

    expect(await c.headManifest(repoOf(s), 'latest')).toEqual({
      digest: sha256(manifest),
      mediaType: MediaType.OciManifest,
      size: manifest.length,
    });
    expect((await c.getManifest(repoOf(s), 'latest'))?.bytes.equals(manifest)).toBe(true);
    expect(await c.listTags(repoOf(s))).toEqual(['a']);

    const tokenRequests = s.requests.filter((r) => r.url.startsWith('/token'));
    expect(tokenRequests).toHaveLength(1);
    const url = new URL(tokenRequests[0]?.url ?? '', 'http://x');
    expect(url.searchParams.get('service')).toBe('test-registry');
    expect(url.searchParams.getAll('scope')).toEqual(['repository:foo/bar:pull']);
    expect(tokenRequests[0]?.headers.authorization).toBe(basic('alice', 'secret'));
  });

  it('asks for pull,push when pushing, and for the source repository when mounting', async () => {
    const scopes: string[][] = [];
    const s = await server((req, res) => {
      if (req.url.startsWith('/token')) {
        scopes.push(new URL(req.url, 'http://x').searchParams.getAll('scope'));
        json(res, 200, { token: `t${scopes.length}` });
        return;
      }
      if (!req.headers.authorization) {
        json(res, 401, {}, { 'WWW-Authenticate': `Bearer realm="http://${s.host}/token",service="svc"` });
        return;
      }
      if (req.method === 'HEAD') return json(res, 404, {});
      if (req.method === 'POST' && req.url.includes('mount=')) {
        res.writeHead(201, { Location: '/v2/foo/bar/blobs/x', 'Content-Length': '0' });
        res.end();
        return;
      }
      json(res, 500, {});
    });
    const c = client(s.host, { auth: new StaticCredentialsAuth({ [s.host]: { username: 'u', password: 'p' } }) });
    await c.pushBlob(
      repoOf(s),
      { digest: sha256('x'), size: 1 },
      {
        open: () => {
          throw new Error('mounted blobs are not read');
        },
        mountFrom: 'other/repo',
      },
    );
    expect(scopes).toContainEqual(['repository:foo/bar:pull,push']);
    expect(scopes).toContainEqual(['repository:foo/bar:pull,push', 'repository:other/repo:pull']);
  });

  it('retries a 401 once with a fresh token, then fails with a clear authentication error', async () => {
    let tokens = 0;
    const s = await server((req, res) => {
      if (req.url.startsWith('/token')) {
        tokens++;
        json(res, 200, { token: `tok-${tokens}` });
        return;
      }
      json(
        res,
        401,
        { errors: [{ code: 'UNAUTHORIZED', message: 'nope' }] },
        {
          'WWW-Authenticate': `Bearer realm="http://${s.host}/token",service="svc"`,
        },
      );
    });
    const c = client(s.host, {
      auth: new StaticCredentialsAuth({ [s.host]: { username: 'alice', password: 'wrong-pass' } }),
    });
    const error = (await c.listTags(repoOf(s)).catch((e: unknown) => e)) as ResourceError;
    expect(error).toBeInstanceOf(ResourceError);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, diagnostics: [{ code: 'UNAUTHORIZED', message: 'nope' }] });
    expect(error.message).toBe(`authentication failed for ${s.host}/foo/bar (user alice): HTTP 401 UNAUTHORIZED: nope`);
    expect(error.message).not.toContain('wrong-pass');
    expect(tokens).toBe(2);
    expect(registryRequests(s).filter((r) => r.startsWith('GET /v2/foo'))).toHaveLength(2);
  });

  it('fails at once on 403 and on Basic credentials rejected twice', async () => {
    const s = await server((req, res) => {
      if (req.url.includes('forbidden')) return json(res, 403, { errors: [{ code: 'DENIED', message: 'denied' }] });
      json(res, 401, {}, { 'WWW-Authenticate': 'Basic realm="r"' });
    });
    const c = client(s.host, { auth: new StaticCredentialsAuth({ [s.host]: { username: 'bob', password: 'pw' } }) });
    await expect(c.listTags(repoOf(s, 'forbidden/x'))).rejects.toMatchObject({
      name: 'AuthenticationError',
      status: 403,
      message: expect.stringContaining('HTTP 403 DENIED: denied'),
    });
    await expect(c.listTags(repoOf(s))).rejects.toMatchObject({
      name: 'AuthenticationError',
      status: 401,
      message: expect.stringContaining('(user bob)'),
    });
    // Basic: one try with the credentials; resending the same ones could not help.
    expect(registryRequests(s).filter((r) => r.startsWith('GET /v2/foo/bar'))).toHaveLength(1);
  });

  it('refuses to send Basic credentials to a plain-HTTP token realm on another host', async () => {
    const s = await server((_req, res) => {
      json(res, 401, {}, { 'WWW-Authenticate': 'Bearer realm="http://auth.example.com/token",service="svc"' });
    });
    const c = client(s.host, {
      auth: new StaticCredentialsAuth({ [s.host]: { username: 'alice', password: 'secret' } }),
    });
    await expect(c.listTags(repoOf(s))).rejects.toMatchObject({
      name: 'AuthenticationError',
      message: expect.stringContaining('refusing to send the credentials'),
    });
  });

  it('follows a blob redirect to another host without the registry Authorization header', async () => {
    const blob = Buffer.from('layer bytes');
    const storage = await server((req, res) => {
      if (req.headers.authorization) return json(res, 400, { message: 'Authorization not allowed with a signed URL' });
      res.writeHead(200, { 'Content-Length': blob.length });
      res.end(blob);
    });
    const s = await server((req, res) => {
      if (req.headers.authorization !== basic('u', 'p'))
        return json(res, 401, {}, { 'WWW-Authenticate': 'Basic realm="r"' });
      res.writeHead(307, { Location: `${storage.url}/bucket/blob?X-Signature=abc`, 'Content-Length': '0' });
      res.end();
    });
    const logger = memoryLogger();
    const c = client(
      s.host,
      { auth: new StaticCredentialsAuth({ [s.host]: { username: 'u', password: 'p' } }) },
      logger,
    );
    const bytes = await c.getBlobBytes(repoOf(s), { digest: sha256(blob), size: blob.length });
    expect(bytes.equals(blob)).toBe(true);
    expect(storage.requests).toHaveLength(1);
    expect(storage.requests[0]?.headers.authorization).toBeUndefined();
    // Signed query strings are credentials of a kind: never logged.
    expect(logger.lines.join('\n')).not.toContain('X-Signature');
  });

  it('follows Link pagination and returns tags in registry order', async () => {
    const pages: Record<string, { tags: string[]; next?: string }> = {
      '': { tags: ['a', 'b'], next: '/v2/foo/bar/tags/list?n=2&last=b' },
      b: { tags: ['c', 'd'], next: `/v2/foo/bar/tags/list?n=2&last=d` },
      d: { tags: ['e'] },
    };
    const s = await server((req, res) => {
      if (req.url === '/v2/') return json(res, 200, {});
      const url = new URL(req.url, 'http://x');
      const page = pages[url.searchParams.get('last') ?? ''];
      if (!page) return json(res, 404, { errors: [{ code: 'NAME_UNKNOWN' }] });
      json(res, 200, { name: 'foo/bar', tags: page.tags }, page.next ? { Link: `<${page.next}>; rel="next"` } : {});
    });
    const c = client(s.host, { tagPageSize: 2 });
    expect(await c.listTags(repoOf(s))).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(registryRequests(s)).toEqual([
      'GET /v2/foo/bar/tags/list?n=2',
      'GET /v2/foo/bar/tags/list?n=2&last=b',
      'GET /v2/foo/bar/tags/list?n=2&last=d',
    ]);
  });

  it('answers undefined for unknown repositories and manifests', async () => {
    const s = await server((req, res) => {
      if (req.url === '/v2/') return json(res, 200, {});
      json(res, 404, { errors: [{ code: req.url.includes('tags') ? 'NAME_UNKNOWN' : 'MANIFEST_UNKNOWN' }] });
    });
    const c = client(s.host);
    expect(await c.listTags(repoOf(s))).toBeUndefined();
    expect(await c.headManifest(repoOf(s), 'nope')).toBeUndefined();
    expect(await c.getManifest(repoOf(s), 'nope')).toBeUndefined();
    expect(await c.hasBlob(repoOf(s), sha256('x'))).toBe(false);
  });

  it('falls back to GET and hashes the bytes when HEAD has no Docker-Content-Digest', async () => {
    const s = await server((req, res) => {
      if (req.url === '/v2/') return json(res, 200, {});
      expect(req.headers.accept).toContain(MediaType.DockerManifest);
      res.writeHead(200, { 'Content-Type': MediaType.OciManifest, 'Content-Length': manifest.length });
      res.end(req.method === 'HEAD' ? undefined : manifest);
    });
    const c = client(s.host);
    expect(await c.headManifest(repoOf(s), 'latest')).toEqual({
      digest: sha256(manifest),
      mediaType: MediaType.OciManifest,
      size: manifest.length,
    });
    expect(registryRequests(s)).toEqual(['HEAD /v2/foo/bar/manifests/latest', 'GET /v2/foo/bar/manifests/latest']);
  });

  it('rejects a manifest whose bytes do not match the digest asked for', async () => {
    const s = await server((req, res) => {
      if (req.url === '/v2/') return json(res, 200, {});
      res.writeHead(200, { 'Content-Type': MediaType.OciManifest, 'Content-Length': manifest.length });
      res.end(manifest);
    });
    const wanted = sha256('something else');
    await expect(client(s.host).getManifest(repoOf(s), wanted)).rejects.toBeInstanceOf(DigestMismatchError);
  });

  it('retries 429 (Retry-After) and 503, logging one warning line per retry', async () => {
    let calls = 0;
    const s = await server((req, res) => {
      if (req.url === '/v2/') return json(res, 200, {});
      calls++;
      if (calls === 1)
        return json(res, 429, { errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }] }, { 'Retry-After': '0' });
      if (calls === 2) return json(res, 503, {});
      json(res, 200, { tags: ['x'] });
    });
    const logger = memoryLogger();
    expect(await client(s.host, {}, logger).listTags(repoOf(s))).toEqual(['x']);
    expect(logger.warnings).toHaveLength(2);
    expect(logger.warnings[0]).toMatch(
      /listing tags of .*: HTTP 429 \(TOOMANYREQUESTS: slow down\); retrying in 0\.0s \(attempt 2\/4\)/,
    );
  });

  it('gives up on persistent 502 after the configured attempts, and does not retry 400', async () => {
    const s = await server((req, res) => {
      if (req.url === '/v2/') return json(res, 200, {});
      if (req.url.includes('bad'))
        return json(res, 400, { errors: [{ code: 'NAME_INVALID', message: 'invalid name' }] });
      json(res, 502, {});
    });
    const c = client(s.host);
    await expect(c.listTags(repoOf(s))).rejects.toMatchObject({
      name: 'RegistryError',
      status: 502,
      temporary: false,
      message: expect.stringMatching(/HTTP 502 \(after 4 attempts\)$/),
    });
    await expect(c.listTags(repoOf(s, 'bad'))).rejects.toMatchObject({
      message: expect.stringContaining('HTTP 400 NAME_INVALID: invalid name'),
    });
    expect(registryRequests(s).filter((r) => r.includes('bad'))).toHaveLength(1);
  });

  it('resumes a blob cut mid-body with a Range request and verifies the whole', async () => {
    const blob = Buffer.alloc(200_000, 7);
    blob.write('unique head', 0);
    let gets = 0;
    const s = await server((req, res) => {
      if (req.url === '/v2/') return json(res, 200, {});
      gets++;
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (!range) {
        res.writeHead(200, { 'Content-Length': blob.length });
        res.write(blob.subarray(0, 50_000));
        setTimeout(() => res.destroy(), 20);
        return;
      }
      const start = Number(range[1]);
      res.writeHead(206, {
        'Content-Length': blob.length - start,
        'Content-Range': `bytes ${start}-${blob.length - 1}/${blob.length}`,
      });
      res.end(blob.subarray(start));
    });
    const logger = memoryLogger();
    const bytes = await client(s.host, {}, logger).getBlobBytes(repoOf(s), { digest: sha256(blob), size: blob.length });
    expect(bytes.equals(blob)).toBe(true);
    expect(gets).toBe(2);
    expect(s.requests.at(-1)?.headers.range).toBe('bytes=50000-');
    expect(logger.warnings.some((w) => /resuming from byte 50000/.test(w))).toBe(true);
  });

  it('errors the stream with DigestMismatchError on wrong bytes, and never ends it cleanly', async () => {
    const good = Buffer.from('the right content');
    const s = await server((req, res) => {
      if (req.url === '/v2/') return json(res, 200, {});
      const bad = Buffer.from(good);
      bad[3] = 0;
      res.writeHead(200, { 'Content-Length': bad.length });
      res.end(bad);
    });
    const stream = await client(s.host).getBlob(repoOf(s), { digest: sha256(good), size: good.length });
    let ended = false;
    stream.on('end', () => (ended = true));
    const error = await new Promise<unknown>((resolve) => {
      stream.on('error', resolve);
      stream.resume();
    });
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect(ended).toBe(false);
  });

  it('uploads large blobs as PATCH chunks with Content-Range, following relative and absolute Locations', async () => {
    const blob = Buffer.from('0123456789abcdefghij'); // 20 bytes, chunks of 8
    const received: Buffer[] = [];
    const s = await server((req, res) => {
      const url = new URL(req.url, 'http://x');
      if (req.url === '/v2/') return json(res, 200, {});
      if (req.method === 'HEAD') return json(res, 404, {});
      if (req.method === 'POST') {
        res.writeHead(202, {
          Location: `http://${s.host}/v2/foo/bar/blobs/uploads/u1?_state=s0`,
          'Content-Length': '0',
        });
        return res.end();
      }
      if (req.method === 'PATCH') {
        received.push(req.body);
        const end = received.reduce((n, b) => n + b.length, 0) - 1;
        res.writeHead(202, {
          Location: `/v2/foo/bar/blobs/uploads/u1?_state=s${received.length}`,
          Range: `0-${end}`,
          'Content-Length': '0',
        });
        return res.end();
      }
      if (req.method === 'PUT') {
        expect(url.searchParams.get('digest')).toBe(sha256(blob));
        expect(url.searchParams.get('_state')).toBe('s3');
        res.writeHead(201, { 'Content-Length': '0' });
        return res.end();
      }
      json(res, 500, {});
    });
    const c = client(s.host, { monolithicUploadMaxBytes: 10, uploadChunkBytes: 8 });
    await c.pushBlob(repoOf(s), { digest: sha256(blob), size: blob.length }, { open: () => bufferStream(blob) });
    expect(Buffer.concat(received).equals(blob)).toBe(true);
    const patches = s.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((p) => p.headers['content-range'])).toEqual(['0-7', '8-15', '16-19']);
    expect(patches.map((p) => p.url)).toEqual([
      '/v2/foo/bar/blobs/uploads/u1?_state=s0',
      '/v2/foo/bar/blobs/uploads/u1?_state=s1',
      '/v2/foo/bar/blobs/uploads/u1?_state=s2',
    ]);
  });

  it('refuses to commit a chunked upload whose content does not hash to the digest', async () => {
    const s = await server((req, res) => {
      if (req.url === '/v2/') return json(res, 200, {});
      if (req.method === 'HEAD') return json(res, 404, {});
      res.writeHead(202, { Location: '/v2/foo/bar/blobs/uploads/u1', 'Content-Length': '0' });
      res.end();
    });
    const c = client(s.host, { monolithicUploadMaxBytes: 1, uploadChunkBytes: 4 });
    await expect(
      c.pushBlob(
        repoOf(s),
        { digest: sha256('expected'), size: 8 },
        { open: () => bufferStream(Buffer.from('actually')) },
      ),
    ).rejects.toBeInstanceOf(DigestMismatchError);
    expect(s.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);
  });

  it('returns the digest the registry reports for a pushed manifest, or the sha256 of the bytes', async () => {
    const s = await server((req, res) => {
      if (req.url === '/v2/') return json(res, 200, {});
      res.writeHead(
        201,
        req.url.endsWith('with')
          ? { 'Docker-Content-Digest': sha256('reported'), 'Content-Length': '0' }
          : { 'Content-Length': '0' },
      );
      res.end();
    });
    const c = client(s.host);
    expect(await c.putManifest(repoOf(s), 'with', MediaType.OciManifest, manifest)).toBe(sha256('reported'));
    expect(await c.putManifest(repoOf(s), 'without', MediaType.OciManifest, manifest)).toBe(sha256(manifest));
    expect(s.requests.at(-1)?.headers['content-type']).toBe(MediaType.OciManifest);
  });

  it('bounds concurrent exchanges and releases the slot of a consumed blob stream', async () => {
    let inFlight = 0;
    let peak = 0;
    const s = await server((req, res) => {
      if (req.url === '/v2/') return json(res, 200, {});
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        json(res, 200, { tags: [] });
      }, 20);
    });
    const c = client(s.host, { concurrency: 2 });
    await Promise.all(Array.from({ length: 6 }, () => c.listTags(repoOf(s))));
    expect(peak).toBe(2);
    expect(c.slotsInUse).toBe(0);
  });
});

function bufferStream(bytes: Buffer): Readable {
  // Small pieces so chunk boundaries fall inside source chunks.
  return Readable.from([bytes.subarray(0, 3), bytes.subarray(3, 11), bytes.subarray(11)], { objectMode: false });
}
