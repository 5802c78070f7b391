import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { StaticCredentialsAuth } from '../../../support/static-credentials-auth';
import { DistributionRegistry } from '../../../../src/adapters/registry/registry-client';
import { ResourceError } from '../../../../src/domain/errors';
import { MediaType } from '../../../../src/domain/media-types';
import { json, memoryLogger, serve, type MemoryLogger, type SeenRequest, type TestServer } from './support';
import type { ServerResponse } from 'node:http';

// headManifest follows Go's headOrGet: any HEAD failure but 404 is asked again as GET.

const manifest = Buffer.from(
  JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: {}, layers: [] }),
);
const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;

const servers: TestServer[] = [];
const clients: DistributionRegistry[] = [];
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A registry whose manifest HEAD is answered by `onHead`; GET serves the manifest. */
async function registry(onHead: (res: ServerResponse, req: SeenRequest) => void): Promise<TestServer> {
  const s = await serve((req, res) => {
    if (req.url === '/v2/') return json(res, 200, {});
    if (req.method === 'HEAD') return onHead(res, req);
    res.writeHead(200, {
      'Content-Type': MediaType.OciManifest,
      'Content-Length': manifest.length,
      'Docker-Content-Digest': digest,
    });
    res.end(manifest);
  });
  servers.push(s);
  return s;
}

function client(logger: MemoryLogger = memoryLogger()): DistributionRegistry {
  const c = new DistributionRegistry({
    auth: new StaticCredentialsAuth({}),
    logger,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, totalMs: 5_000 },
    timeoutMs: 2_000,
  });
  clients.push(c);
  return c;
}

const calls = (s: TestServer): string[] => s.requests.filter((r) => r.url !== '/v2/').map((r) => r.method);
const expected = { digest, mediaType: MediaType.OciManifest, size: manifest.length };

describe('headManifest falls back to GET', () => {
  it.each([
    [405, 'Method Not Allowed'],
    [403, 'Forbidden'],
    [500, 'Internal Server Error'],
    [502, 'Bad Gateway'],
    [400, 'Bad Request'],
    [401, 'Unauthorized'],
  ])('when HEAD answers %i (one HEAD, no HEAD retries)', async (status) => {
    const s = await registry((res) => res.writeHead(status).end());
    const logger = memoryLogger();
    expect(await client(logger).headManifest({ registry: s.host, path: 'a/b' }, 'v1')).toEqual(expected);
    expect(calls(s)).toEqual(['HEAD', 'GET']);
    expect(logger.lines.some((l) => l.includes(`HEAD answered HTTP ${status}`) || l.includes('HEAD failed'))).toBe(
      true,
    );
  });

  it('when the HEAD connection is dropped', async () => {
    const s = await registry((res) => res.socket?.destroy());
    expect(await client().headManifest({ registry: s.host, path: 'a/b' }, 'v1')).toEqual(expected);
    expect(calls(s)).toEqual(['HEAD', 'GET']);
  });

  it('but a 404 means "no such manifest", without a GET', async () => {
    const s = await registry((res) => json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] }));
    expect(await client().headManifest({ registry: s.host, path: 'a/b' }, 'v1')).toBeUndefined();
    expect(calls(s)).toEqual(['HEAD']);
  });

  it('and a GET 404 after a failed HEAD is "no such manifest" too', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/v2/') return json(res, 200, {});
      if (req.method === 'HEAD') return res.writeHead(405).end();
      json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] });
    });
    servers.push(s);
    expect(await client().headManifest({ registry: s.host, path: 'a/b' }, 'v1')).toBeUndefined();
    expect(calls(s)).toEqual(['HEAD', 'GET']);
  });

  it('the GET error is the one reported when both fail', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/v2/') return json(res, 200, {});
      res.writeHead(req.method === 'HEAD' ? 405 : 418).end();
    });
    servers.push(s);
    const failure = client().headManifest({ registry: s.host, path: 'a/b' }, 'v1');
    await expect(failure).rejects.toThrow(`fetching manifest v1 of ${s.host}/a/b failed: HTTP 418`);
  });

  it('an unreachable registry is not asked twice', async () => {
    const s = await registry((res) => res.writeHead(200).end());
    await s.close();
    const failure = client().headManifest({ registry: s.host, path: 'a/b' }, 'v1');
    await expect(failure).rejects.toBeInstanceOf(ResourceError);
    await expect(failure).rejects.toMatchObject({ name: 'NetworkError', kind: 'refused', temporary: false });
  });
});
