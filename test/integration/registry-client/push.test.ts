/**
 * Push round trips against the real registry, cross-checked with skopeo: monolithic and chunked
 * uploads, cross-repository mount, manifests; tag pagination over more than 100 tags; throughput.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DigestMismatchError } from '../../../src/domain/errors';
import { randomImage } from '../support/image-fixtures';
import { withRegistry } from '../support/registry-server';
import { generatedBlob, makeClient, readAll } from './client-fixture';

const exec = promisify(execFile);

async function skopeoInspect(ref: string): Promise<{ Digest: string; Layers: string[] }> {
  const { stdout } = await exec('/usr/bin/skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`]);
  return JSON.parse(stdout) as { Digest: string; Layers: string[] };
}

const bufferStream = (bytes: Buffer): Readable => Readable.from([bytes], { objectMode: false });

describe('pushing with the client', () => {
  const reg = withRegistry({ storage: 'inmemory' });

  it('refuses content that does not hash to its digest, in one PUT and in chunks, storing nothing', async () => {
    const r = reg.get();
    const repo = { registry: r.host, path: 'client/corrupt' };
    const right = Buffer.from('the bytes the digest was computed over');
    const wrong = Buffer.from('the bytes the digest was computed ovex');
    const blob = { digest: `sha256:${createHash('sha256').update(right).digest('hex')}`, size: right.length };
    // One PUT: only the registry hashes (it must verify ?digest= before storing).
    const whole = makeClient({ pushScope: true }).client;
    await expect(whole.pushBlob(repo, blob, { open: () => bufferStream(wrong) })).rejects.toBeInstanceOf(
      DigestMismatchError,
    );
    // Chunks: refused before the upload is committed.
    const chunked = makeClient({ pushScope: true, monolithicUploadMaxBytes: 0, uploadChunkBytes: 8 }).client;
    await expect(chunked.pushBlob(repo, blob, { open: () => bufferStream(wrong) })).rejects.toBeInstanceOf(
      DigestMismatchError,
    );
    expect(await whole.hasBlob(repo, blob.digest)).toBe(false);
  });

  it('pushes an image (small blobs in one PUT, a big one in chunks) that skopeo reads back, then mounts it elsewhere', async () => {
    const r = reg.get();
    const { client, logger } = makeClient({
      pushScope: true,
      monolithicUploadMaxBytes: 1024 * 1024,
      uploadChunkBytes: 512 * 1024,
    });
    const image = randomImage('client-push', { layers: 1 });
    const big = generatedBlob('client-push-big', 2 * 1024 * 1024 + 123);
    const repo = { registry: r.host, path: 'client/push' };
    const smallLayer = image.layers[0];
    if (!smallLayer) throw new Error('fixture has no layer');

    await client.pushBlob(
      repo,
      { digest: smallLayer.digest, size: smallLayer.size },
      { open: () => bufferStream(smallLayer.bytes) },
    );
    await client.pushBlob(
      repo,
      { digest: image.configDigest, size: image.configBytes.length },
      { open: () => bufferStream(image.configBytes) },
    );
    await client.pushBlob(repo, big, { open: big.open });
    // Already there: no second upload.
    await client.pushBlob(repo, big, {
      open: () => {
        throw new Error('must not re-upload');
      },
    });

    const manifest = JSON.parse(image.manifestBytes.toString('utf8')) as { layers: unknown[] };
    manifest.layers.push({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: big.digest,
      size: big.size,
    });
    const bytes = Buffer.from(JSON.stringify(manifest));
    const digest = await client.putManifest(repo, 'v1', 'application/vnd.oci.image.manifest.v1+json', bytes);

    const inspected = await skopeoInspect(`${r.host}/client/push:v1`);
    expect(inspected.Digest).toBe(digest);
    expect(inspected.Layers).toEqual([smallLayer.digest, big.digest]);
    const fetched = await readAll(await client.getBlob(repo, big));
    expect(fetched.length).toBe(big.size);

    const other = { registry: r.host, path: 'client/mounted' };
    for (const blob of [
      { digest: big.digest, size: big.size },
      { digest: smallLayer.digest, size: smallLayer.size },
      { digest: image.configDigest, size: image.configBytes.length },
    ]) {
      await client.pushBlob(other, blob, {
        open: () => {
          throw new Error('mount expected');
        },
        mountFrom: 'client/push',
      });
    }
    await client.putManifest(other, 'v1', 'application/vnd.oci.image.manifest.v1+json', bytes);
    expect((await skopeoInspect(`${r.host}/client/mounted:v1`)).Digest).toBe(digest);
    expect(logger.warnings).toEqual([]);
  });

  it('lists more than 100 tags across pages', async () => {
    const r = reg.get();
    const { client } = makeClient({ tagPageSize: 40 });
    const repo = { registry: r.host, path: 'client/many-tags' };
    const image = randomImage('client-tags');
    const layer = image.layers[0];
    if (!layer) throw new Error('fixture has no layer');
    await client.pushBlob(repo, { digest: layer.digest, size: layer.size }, { open: () => bufferStream(layer.bytes) });
    await client.pushBlob(
      repo,
      { digest: image.configDigest, size: image.configBytes.length },
      { open: () => bufferStream(image.configBytes) },
    );
    const tags = Array.from({ length: 105 }, (_, i) => `t${String(i).padStart(3, '0')}`);
    for (const tag of tags) await client.putManifest(repo, tag, image.mediaType, image.manifestBytes);
    expect(await client.listTags(repo)).toEqual(tags);
    expect(await client.listTags({ registry: r.host, path: 'client/never-pushed' })).toBeUndefined();
  });
});

describe('loopback throughput', () => {
  // Filesystem storage (on /dev/shm): the in-memory driver copies on every append and measures itself, not us.
  const reg = withRegistry();

  it('measures upload and download throughput of a 32 MiB blob on loopback', async () => {
    const r = reg.get();
    const blob = generatedBlob('client-throughput', 32 * 1024 * 1024);
    const results: string[] = [];
    for (const mode of ['monolithic', 'chunked'] as const) {
      const { client } = makeClient(
        mode === 'monolithic'
          ? { monolithicUploadMaxBytes: 64 * 1024 * 1024 }
          : { monolithicUploadMaxBytes: 0, uploadChunkBytes: 8 * 1024 * 1024 },
      );
      const repo = { registry: r.host, path: `client/throughput-${mode}` };
      let t = process.hrtime.bigint();
      await client.pushBlob(repo, blob, { open: blob.open });
      const up = Number(process.hrtime.bigint() - t) / 1e9;
      t = process.hrtime.bigint();
      let n = 0;
      for await (const chunk of await client.getBlob(repo, blob)) n += (chunk as Buffer).length;
      const down = Number(process.hrtime.bigint() - t) / 1e9;
      expect(n).toBe(blob.size);
      results.push(`${mode}: upload ${(32 / up).toFixed(0)} MiB/s, download ${(32 / down).toFixed(0)} MiB/s`);
    }
    console.log(results.join('\n'));
  });
});
