import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EmbeddedRegistryServer,
  type RegistryRequestLog,
} from '../../../../src/adapters/embedded-registry/embedded-registry-server';
import { InMemoryRegistry } from '../../../../src/adapters/memory/in-memory-registry';
import { MediaType } from '../../../../src/domain/media-types';

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let server: EmbeddedRegistryServer;
const log: RegistryRequestLog[] = [];

beforeAll(async () => {
  server = new EmbeddedRegistryServer({ onRequest: (e) => log.push(e) });
  await server.start(0);
});
afterAll(async () => {
  await server.stop();
});

const url = (path: string): string => `${server.url}${path}`;

async function errorCode(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { errors: { code: string }[] };
  return body.errors[0]?.code;
}

async function pushBlob(repo: string, content: Buffer | string): Promise<string> {
  const digest = sha(content);
  const res = await fetch(url(`/v2/${repo}/blobs/uploads/?digest=${digest}`), { method: 'POST', body: content });
  expect(res.status).toBe(201);
  return digest;
}

function imageManifest(mediaType: string, config: string, layers: string[]): Buffer {
  const oci = mediaType === MediaType.OciManifest;
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: oci ? MediaType.OciConfig : MediaType.DockerConfig, digest: config, size: 2 },
      layers: layers.map((d) => ({
        mediaType: oci ? MediaType.OciLayerGzip : MediaType.DockerLayerGzip,
        digest: d,
        size: 5,
      })),
    }),
  );
}

describe('EmbeddedRegistryServer', () => {
  it('answers the version check with the distribution API header', async () => {
    const res = await fetch(url('/v2/'));
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    expect(server.host).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('answers unknown things with OCI error JSON', async () => {
    const tags = await fetch(url('/v2/nope/tags/list'));
    expect(tags.status).toBe(404);
    expect(await errorCode(tags)).toBe('NAME_UNKNOWN');
    const bad = await fetch(url('/v2/UPPER/tags/list'));
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe('NAME_INVALID');
    const blob = await fetch(url(`/v2/nope/blobs/${sha('x')}`));
    expect(blob.status).toBe(404);
    expect(await errorCode(blob)).toBe('BLOB_UNKNOWN');
  });

  it('accepts a monolithic upload only when the content matches ?digest=', async () => {
    const wrong = await fetch(url(`/v2/mono/blobs/uploads/?digest=${sha('other')}`), { method: 'POST', body: 'hello' });
    expect(wrong.status).toBe(400);
    expect(await errorCode(wrong)).toBe('DIGEST_INVALID');
    const digest = await pushBlob('mono', 'hello');
    const head = await fetch(url(`/v2/mono/blobs/${digest}`), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('5');
    expect(head.headers.get('docker-content-digest')).toBe(digest);
    expect(server.openUploads).toBe(0);
  });

  it('runs a chunked upload session and rejects a chunk that does not continue it', async () => {
    const start = await fetch(url('/v2/chunked/blobs/uploads/'), { method: 'POST' });
    expect(start.status).toBe(202);
    const location = start.headers.get('location') as string;
    expect(location).toMatch(/^\/v2\/chunked\/blobs\/uploads\/[0-9a-f-]+$/);
    const first = await fetch(url(location), { method: 'PATCH', body: 'abc', headers: { 'Content-Range': '0-2' } });
    expect(first.status).toBe(202);
    expect(first.headers.get('range')).toBe('0-2');
    const gap = await fetch(url(location), { method: 'PATCH', body: 'x', headers: { 'Content-Range': '5-5' } });
    expect(gap.status).toBe(416);
    const status = await fetch(url(location));
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-2');
    await fetch(url(location), { method: 'PATCH', body: 'def' });
    const done = await fetch(url(`${location}?digest=${sha('abcdefgh')}`), { method: 'PUT', body: 'gh' });
    expect(done.status).toBe(201);
    expect(done.headers.get('docker-content-digest')).toBe(sha('abcdefgh'));
    const get = await fetch(url(`/v2/chunked/blobs/${sha('abcdefgh')}`));
    expect(await get.text()).toBe('abcdefgh');
    const gone = await fetch(url(location), { method: 'PATCH', body: 'x' });
    expect(await errorCode(gone)).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('serves byte ranges of blobs', async () => {
    const digest = await pushBlob('ranges', '0123456789');
    const part = await fetch(url(`/v2/ranges/blobs/${digest}`), { headers: { Range: 'bytes=2-5' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 2-5/10');
    expect(await part.text()).toBe('2345');
    const tail = await fetch(url(`/v2/ranges/blobs/${digest}`), { headers: { Range: 'bytes=7-' } });
    expect(await tail.text()).toBe('789');
    const beyond = await fetch(url(`/v2/ranges/blobs/${digest}`), { headers: { Range: 'bytes=10-' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe('bytes */10');
  });

  it('mounts a blob from another repository, and falls back to a session when it cannot', async () => {
    const digest = await pushBlob('origin/repo', 'shared layer');
    const mounted = await fetch(url(`/v2/target/blobs/uploads/?mount=${digest}&from=origin/repo`), { method: 'POST' });
    expect(mounted.status).toBe(201);
    expect(mounted.headers.get('location')).toBe(`/v2/target/blobs/${digest}`);
    expect((await fetch(url(`/v2/target/blobs/${digest}`))).status).toBe(200);
    const fallback = await fetch(url(`/v2/target/blobs/uploads/?mount=${sha('absent')}&from=origin/repo`), {
      method: 'POST',
    });
    expect(fallback.status).toBe(202);
    expect(fallback.headers.get('location')).toMatch(/\/blobs\/uploads\//);
  });

  it('stores and serves all four manifest media types by tag and digest', async () => {
    const config = await pushBlob('four', '{}');
    const layer = await pushBlob('four', 'layer');
    const digests: Record<string, string> = {};
    for (const [tag, mediaType] of [
      ['docker', MediaType.DockerManifest],
      ['oci', MediaType.OciManifest],
    ] as const) {
      const body = imageManifest(mediaType, config, [layer]);
      const put = await fetch(url(`/v2/four/manifests/${tag}`), {
        method: 'PUT',
        body,
        headers: { 'Content-Type': mediaType },
      });
      expect(put.status).toBe(201);
      expect(put.headers.get('docker-content-digest')).toBe(sha(body));
      digests[tag] = sha(body);
    }
    for (const [tag, mediaType, child] of [
      ['list', MediaType.DockerManifestList, digests.docker],
      ['index', MediaType.OciIndex, digests.oci],
    ] as const) {
      const body = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType,
          manifests: [
            {
              mediaType: MediaType.OciManifest,
              digest: child,
              size: 1,
              platform: { os: 'linux', architecture: 'amd64' },
            },
          ],
        }),
      );
      const put = await fetch(url(`/v2/four/manifests/${tag}`), {
        method: 'PUT',
        body,
        headers: { 'Content-Type': mediaType },
      });
      expect(put.status).toBe(201);
      digests[tag] = sha(body);
    }
    for (const [tag, mediaType] of [
      ['docker', MediaType.DockerManifest],
      ['oci', MediaType.OciManifest],
      ['list', MediaType.DockerManifestList],
      ['index', MediaType.OciIndex],
    ] as const) {
      const head = await fetch(url(`/v2/four/manifests/${tag}`), { method: 'HEAD' });
      expect(head.headers.get('content-type')).toBe(mediaType);
      expect(head.headers.get('docker-content-digest')).toBe(digests[tag]);
      const byDigest = await fetch(url(`/v2/four/manifests/${digests[tag]}`));
      expect(sha(Buffer.from(await byDigest.arrayBuffer()))).toBe(digests[tag]);
      expect(byDigest.headers.get('content-type')).toBe(mediaType);
    }
  });

  it('rejects manifests whose blobs or children are missing, or whose digest reference lies', async () => {
    const config = await pushBlob('strict', '{}');
    const missing = imageManifest(MediaType.OciManifest, config, [sha('never uploaded')]);
    const put = await fetch(url('/v2/strict/manifests/x'), {
      method: 'PUT',
      body: missing,
      headers: { 'Content-Type': MediaType.OciManifest },
    });
    expect(put.status).toBe(400);
    expect(await errorCode(put)).toBe('MANIFEST_BLOB_UNKNOWN');
    const ok = imageManifest(MediaType.OciManifest, config, []);
    const lie = await fetch(url(`/v2/strict/manifests/${sha('something else')}`), {
      method: 'PUT',
      body: ok,
      headers: { 'Content-Type': MediaType.OciManifest },
    });
    expect(await errorCode(lie)).toBe('DIGEST_INVALID');
    const schema1 = await fetch(url('/v2/strict/manifests/old'), {
      method: 'PUT',
      body: JSON.stringify({ schemaVersion: 1, name: 'strict', tag: 'old' }),
      headers: { 'Content-Type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' },
    });
    expect(await errorCode(schema1)).toBe('MANIFEST_INVALID');
  });

  it('pages the tags list with n/last and a Link header, and deletes tags and manifests', async () => {
    const config = await pushBlob('paged', '{}');
    const body = imageManifest(MediaType.OciManifest, config, []);
    for (const tag of ['v3', 'v1', 'v2', 'latest']) {
      await fetch(url(`/v2/paged/manifests/${tag}`), {
        method: 'PUT',
        body,
        headers: { 'Content-Type': MediaType.OciManifest },
      });
    }
    const first = await fetch(url('/v2/paged/tags/list?n=2'));
    expect(await first.json()).toEqual({ name: 'paged', tags: ['latest', 'v1'] });
    const link = first.headers.get('link') as string;
    expect(link).toBe('</v2/paged/tags/list?n=2&last=v1>; rel="next"');
    const second = await fetch(url(/<([^>]+)>/.exec(link)?.[1] as string));
    expect(await second.json()).toEqual({ name: 'paged', tags: ['v2', 'v3'] });
    expect(second.headers.get('link')).toBeNull();

    expect((await fetch(url('/v2/paged/manifests/v1'), { method: 'DELETE' })).status).toBe(202);
    expect(((await (await fetch(url('/v2/paged/tags/list'))).json()) as { tags: string[] }).tags).toEqual([
      'latest',
      'v2',
      'v3',
    ]);
    expect((await fetch(url(`/v2/paged/manifests/${sha(body)}`), { method: 'DELETE' })).status).toBe(202);
    const after = await fetch(url('/v2/paged/manifests/latest'));
    expect(await errorCode(after)).toBe('MANIFEST_UNKNOWN');
    expect(((await (await fetch(url('/v2/paged/tags/list'))).json()) as { tags: string[] }).tags).toEqual([]);
  });

  it('shares its store with the in-memory RegistryPort fake', async () => {
    const fake = new InMemoryRegistry(server.store);
    const repo = server.repository('seeded/app');
    const digest = sha('seed');
    await fake.pushBlob(repo, { digest, size: 4 }, { open: () => Readable.from([Buffer.from('seed')]) });
    const res = await fetch(url(`/v2/seeded/app/blobs/${digest}`));
    expect(await res.text()).toBe('seed');
  });

  it('reports every request it answered', () => {
    expect(log.some((e) => e.method === 'PATCH' && e.status === 416)).toBe(true);
    expect(log.every((e) => e.status >= 200)).toBe(true);
  });
});

describe('EmbeddedRegistryServer wiring', () => {
  it('has no host before it listens, and stops harmlessly when it never started', async () => {
    const idle = new EmbeddedRegistryServer();
    expect(() => idle.host).toThrow(/not listening/);
    await expect(idle.stop()).resolves.toBeUndefined();
  });

  it('stores repositories under registryName and hands maxBlobBytes to the uploads', async () => {
    const named = new EmbeddedRegistryServer({ registryName: 'registry.example', maxBlobBytes: 4 });
    await named.start(0);
    try {
      expect(named.repository('app')).toEqual({ registry: 'registry.example', path: 'app' });
      const ok = await fetch(`${named.url}/v2/app/blobs/uploads/?digest=${sha('abcd')}`, {
        method: 'POST',
        body: 'abcd',
      });
      expect(ok.status).toBe(201);
      expect(named.store.hasBlob({ registry: 'registry.example', path: 'app' }, sha('abcd'))).toBe(true);
      const big = await fetch(`${named.url}/v2/app/blobs/uploads/?digest=${sha('abcde')}`, {
        method: 'POST',
        body: 'abcde',
      });
      expect(await errorCode(big)).toBe('SIZE_INVALID');
      // Errors carry the API version header too: it is set before routing.
      expect(big.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    } finally {
      await named.stop();
    }
  });
});
