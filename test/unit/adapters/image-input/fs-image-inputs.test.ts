import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_CHUNK } from '../../../../src/adapters/image-input/file-tree';
import { FsImageInputs } from '../../../../src/adapters/image-input/fs-image-inputs';
import type { ImageInput } from '../../../../src/ports/image-input-port';
import { buildImage, buildIndex, layerFromFiles } from '../../../integration/support/image-fixtures';
import {
  dockerSaveEntries,
  indexBlobOf,
  layoutEntries,
  layoutWithIndex,
  writeEntriesToDir,
  writeTarFile,
} from './layout-fixtures';
import { DigestMismatchError } from '../../../../src/domain/errors';

async function readAll(input: ImageInput, digest: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of input.openBlob(digest)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('FsImageInputs', () => {
  const inputs = new FsImageInputs();
  let dir: string;
  const layer1 = layerFromFiles([{ path: 'etc/hello', content: 'hello' }]);
  const layer2 = layerFromFiles([{ path: 'bin/tool', content: 'x'.repeat(3000), mode: 0o755 }]);
  const image = buildImage({ layers: [layer1, layer2], mediaTypes: 'oci' });
  const arm = buildImage({ layers: [layer1], platform: { os: 'linux', architecture: 'arm64' } });
  const index = buildIndex([image, arm]);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'image-input-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads an OCI layout directory holding a multi-arch index, keeping the index bytes', async () => {
    const layout = join(dir, 'layout');
    writeEntriesToDir(layout, layoutEntries(index));
    const input = await inputs.open(layout);
    expect(input.kind).toBe('oci-layout');
    expect(input.root.digest).toBe(index.digest);
    expect(input.root.bytes.equals(index.manifestBytes)).toBe(true);
    expect((await input.manifest(arm.digest))?.equals(arm.manifestBytes)).toBe(true);
    expect((await readAll(input, layer2.digest)).equals(layer2.bytes)).toBe(true);
    expect(await input.hasBlob(sha(Buffer.from('absent')))).toBe(false);
  });

  it('reads an OCI archive (tar of a layout) with ranged reads of its members', async () => {
    const path = join(dir, 'image-oci.tar');
    writeTarFile(path, layoutEntries(image));
    const input = await inputs.open(path);
    expect(input.kind).toBe('oci-archive');
    expect(input.root).toMatchObject({ digest: image.digest, mediaType: image.mediaType });
    expect((await readAll(input, layer1.digest)).equals(layer1.bytes)).toBe(true);
    expect((await readAll(input, image.configDigest)).equals(image.configBytes)).toBe(true);
  });

  it('reads a docker save tarball with compressed layers into a Docker schema 2 manifest', async () => {
    const path = join(dir, 'docker-gz.tar');
    writeTarFile(path, dockerSaveEntries(image, 'compressed'));
    const input = await inputs.open(path);
    expect(input.kind).toBe('docker-archive');
    const manifest = JSON.parse(input.root.bytes.toString()) as {
      mediaType: string;
      config: { digest: string; size: number };
      layers: Array<{ mediaType: string; digest: string; size: number }>;
    };
    expect(input.root.digest).toBe(sha(input.root.bytes));
    expect(manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(manifest.config).toMatchObject({ digest: image.configDigest, size: image.configBytes.length });
    expect(manifest.layers.map((l) => l.digest)).toEqual([layer1.digest, layer2.digest]);
    expect(manifest.layers[0]?.mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip');
    expect((await readAll(input, layer2.digest)).equals(layer2.bytes)).toBe(true);
    await input.close();
  });

  it('gzips uncompressed docker save layers, with the digest of the bytes it serves', async () => {
    const path = join(dir, 'docker-tar.tar');
    writeTarFile(path, dockerSaveEntries(image, 'tar'));
    const input = await inputs.open(path);
    const manifest = JSON.parse(input.root.bytes.toString()) as { layers: Array<{ digest: string; size: number }> };
    for (const [i, l] of manifest.layers.entries()) {
      const served = await readAll(input, l.digest);
      expect(sha(served)).toBe(l.digest);
      expect(served.length).toBe(l.size);
      expect(gunzipSync(served).equals(image.layers[i]?.tar as Buffer)).toBe(true);
    }
    await input.close();
  });

  it('streams a large blob out of an archive in bounded chunks, never as one buffer', async () => {
    const big = layerFromFiles([{ path: 'big', content: randomBytes(3 * 1024 * 1024) }], { compression: 'none' });
    const bigImage = buildImage({ layers: [big], mediaTypes: 'oci' });
    const path = join(dir, 'big-oci.tar');
    writeTarFile(path, layoutEntries(bigImage));
    const input = await inputs.open(path);
    const hash = createHash('sha256');
    let chunks = 0;
    let largest = 0;
    for await (const chunk of input.openBlob(big.digest)) {
      chunks++;
      largest = Math.max(largest, (chunk as Buffer).length);
      hash.update(chunk as Buffer);
    }
    expect(`sha256:${hash.digest('hex')}`).toBe(big.digest);
    expect(chunks).toBeGreaterThan(4);
    expect(largest).toBeLessThanOrEqual(READ_CHUNK);
  });

  describe('which manifest an OCI layout stands for (as the Go resource reads it)', () => {
    const descriptor = (c: { mediaType: string; digest: string; manifestBytes: Buffer }) => ({
      mediaType: c.mediaType,
      digest: c.digest,
      size: c.manifestBytes.length,
    });
    const indexJson = (entries: Array<{ mediaType: string; digest: string; manifestBytes: Buffer }>, extra = {}) =>
      Buffer.from(JSON.stringify({ schemaVersion: 2, ...extra, manifests: entries.map(descriptor) }));
    const open = async (
      name: string,
      json: Buffer,
      contents: Parameters<typeof layoutWithIndex>[1],
      marker?: string,
    ) => {
      const layout = join(dir, name);
      const extra = marker === undefined ? [] : [{ path: 'single-image-digest', content: marker }];
      writeEntriesToDir(layout, layoutWithIndex(json, contents, extra));
      return inputs.open(layout);
    };

    it('several entries: index.json itself, as an OCI index whose digest is that of the file', async () => {
      const json = indexJson([image, arm]);
      const input = await open('several', json, [image, arm]);
      expect(input.root).toEqual({
        digest: sha(json),
        mediaType: 'application/vnd.oci.image.index.v1+json',
        bytes: json,
      });
    });

    it('one image entry without the marker: still index.json (Go pushes the layout index)', async () => {
      const json = indexJson([image]);
      const input = await open('one-image', json, [image]);
      expect(input.root.digest).toBe(sha(json));
      expect(input.root.bytes.equals(json)).toBe(true);
    });

    it('with single-image-digest: the image it names', async () => {
      const json = indexJson([image]);
      const input = await open('marked', json, [image], image.digest);
      expect(input.root).toEqual({ digest: image.digest, mediaType: image.mediaType, bytes: image.manifestBytes });
      const both = await open('marked-two', indexJson([image, arm]), [image, arm], `${arm.digest}\n`);
      expect(both.root.digest).toBe(arm.digest);
    });

    it('unwraps single index entries recursively, down to the first index with several entries', async () => {
      const inner = indexBlobOf([image, arm]);
      const middle = indexBlobOf([inner]);
      const input = await open('nested', indexJson([middle]), [middle, inner]);
      expect(input.root).toEqual({ digest: inner.digest, mediaType: inner.mediaType, bytes: inner.manifestBytes });
      const marked = await open('nested-marked', indexJson([middle]), [middle, inner], arm.digest);
      expect(marked.root.digest).toBe(arm.digest);
    });

    it('announces a Docker manifest list index.json with its own media type', async () => {
      const list = 'application/vnd.docker.distribution.manifest.list.v2+json';
      const json = indexJson([image, arm], { mediaType: list });
      expect((await open('docker-list', json, [image, arm])).root.mediaType).toBe(list);
    });

    it('refuses a marker its index does not list, an empty index.json and one without manifests', async () => {
      await expect(open('bad-marker', indexJson([image]), [image], arm.digest)).rejects.toThrow(
        `single-image-digest names ${arm.digest}, which its index does not list`,
      );
      await expect(open('empty', indexJson([]), [])).rejects.toThrow('index.json lists no image or index');
      await expect(open('no-manifests', Buffer.from('{"schemaVersion":2}'), [])).rejects.toThrow(
        'index.json is not an image index (no "manifests" list)',
      );
    });

    it('an OCI archive (tar) with one image entry and no marker pushes that image', async () => {
      const path = join(dir, 'single-oci.tar');
      writeTarFile(path, layoutWithIndex(indexJson([image]), [image]));
      expect((await inputs.open(path)).root.digest).toBe(image.digest);
      const two = join(dir, 'two-oci.tar');
      const json = indexJson([image, arm]);
      writeTarFile(two, layoutWithIndex(json, [image, arm]));
      expect((await inputs.open(two)).root.digest).toBe(sha(json));
    });
  });

  it('detects a corrupted manifest blob by its digest', async () => {
    const layout = join(dir, 'corrupt');
    writeEntriesToDir(layout, layoutEntries(image));
    writeFileSync(join(layout, 'blobs/sha256', image.digest.slice(7)), '{"schemaVersion":2}');
    const input = await inputs.open(layout);
    await expect(input.manifest(image.digest)).rejects.toBeInstanceOf(DigestMismatchError);
    // With the marker the image is read at once, so the layout fails to open.
    writeFileSync(join(layout, 'single-image-digest'), image.digest);
    await expect(inputs.open(layout)).rejects.toBeInstanceOf(DigestMismatchError);
  });

  it('says what it expected when the file is neither kind', async () => {
    const path = join(dir, 'other.tar');
    writeTarFile(path, [{ path: 'readme.txt', content: 'hi' }]);
    await expect(inputs.open(path)).rejects.toThrow(
      'neither an OCI archive (index.json) nor a docker save tarball (manifest.json)',
    );
    const notTar = join(dir, 'garbage.bin');
    writeFileSync(notTar, Buffer.alloc(2048, 7));
    await expect(inputs.open(notTar)).rejects.toThrow('not a valid tar file');
    const plainDir = join(dir, 'plain');
    mkdirSync(plainDir);
    await expect(inputs.open(plainDir)).rejects.toThrow('not an OCI layout');
  });
});
