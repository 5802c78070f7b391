import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EmbeddedRegistryServer,
  type RegistryRequestLog,
} from '../../../src/adapters/embedded-registry/embedded-registry-server';
import { MediaType } from '../../../src/domain/media-types';
import { generatedBlob, makeClient, readAll } from '../registry-client/client-fixture';

// The product's own registry client against the embedded registry: the pair the demo relies on.
let server: EmbeddedRegistryServer;
const log: RegistryRequestLog[] = [];

beforeAll(async () => {
  server = new EmbeddedRegistryServer({ onRequest: (e) => log.push(e) });
  await server.start(0, '127.0.0.1');
});
afterAll(async () => {
  await server?.stop();
});

describe('DistributionRegistry against the embedded registry', () => {
  it('uploads in chunks, mounts across repositories and reads back verified blobs', async () => {
    const { client } = makeClient({ monolithicUploadMaxBytes: 64 * 1024, uploadChunkBytes: 100 * 1024 });
    const repo = server.repository('client/app');
    const blob = generatedBlob('embedded', 300 * 1024);
    await client.pushBlob(repo, blob, { open: blob.open });
    expect(
      log.filter((e) => e.method === 'PATCH' && e.path.startsWith('/v2/client/app/blobs/uploads/')).length,
    ).toBeGreaterThan(0);
    expect(await client.hasBlob(repo, blob.digest)).toBe(true);
    const bytes = await readAll(await client.getBlob(repo, blob));
    expect(bytes.length).toBe(blob.size);

    const other = server.repository('client/other');
    const before = log.length;
    await client.pushBlob(other, blob, { open: blob.open, mountFrom: 'client/app' });
    const pushTraffic = log.slice(before);
    expect(pushTraffic.some((e) => e.method === 'POST' && e.path.includes('mount=') && e.status === 201)).toBe(true);
    expect(pushTraffic.some((e) => e.method === 'PATCH')).toBe(false);
    expect(await client.hasBlob(other, blob.digest)).toBe(true);
  });

  it('puts manifests and follows tag list pagination', async () => {
    const { client } = makeClient({ tagPageSize: 2 });
    const repo = server.repository('client/paged');
    const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
    const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
    await client.pushBlob(repo, { digest: configDigest, size: config.length }, { open: () => Readable.from([config]) });
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, digest: configDigest, size: config.length },
        layers: [],
      }),
    );
    const tags = ['1.0.0', '1.0.1', '1.1.0', '2.0.0', 'latest'];
    let digest = '';
    for (const tag of tags) digest = await client.putManifest(repo, tag, MediaType.OciManifest, manifest);
    expect(await client.listTags(repo)).toEqual(tags);
    expect(log.filter((e) => e.path.startsWith('/v2/client/paged/tags/list')).length).toBe(3);
    expect(await client.headManifest(repo, 'latest')).toEqual({
      digest,
      mediaType: MediaType.OciManifest,
      size: manifest.length,
    });
    expect((await client.getManifest(repo, digest))?.bytes.equals(manifest)).toBe(true);
    expect(await client.listTags(server.repository('client/none'))).toBeUndefined();
    expect(await client.headManifest(repo, 'missing')).toBeUndefined();
  });
});
