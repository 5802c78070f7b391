/**
 * Layers from a registry the pipeline author does not control: bombs, truncated and corrupt
 * streams, hostile zstd frames. Unpacked with the real filesystem output; the bomb is streamed
 * (20 GiB of tar from 21 MB of gzip, never built).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { zstdBackendOf, type ZstdBackend } from '../../../../src/adapters/image-output/zstd-decompress';
import { ResourceError, UnsafeContentError } from '../../../../src/domain/errors';
import type { ImageToWrite } from '../../../../src/ports/image-output-port';
import { layerFromFiles, sha256Digest, writeTar, type Layer } from '../../../integration/support/image-fixtures';
import { gzipFileLayer, zstdFrame, type StreamedLayer } from './hostile-streams';
import { fixture, type UnpackFixture } from './unpack-fixture';
import { RegistryError } from '../../../../src/ports/registry-errors';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** A layer whose bytes come from `open` rather than from the registry's store. */
function streamedLayer(layer: StreamedLayer): { layer: Layer; open: () => Readable } {
  const digest = `sha256:${'5'.repeat(64)}`;
  return {
    layer: {
      bytes: Buffer.alloc(0),
      digest,
      diffId: digest,
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      size: layer.size,
      compression: 'gzip',
      tar: Buffer.alloc(0),
    },
    open: () => layer.open(),
  };
}

/** The layer as served, its digest matching (a registry can serve broken streams that hash right). */
function served(bytes: Buffer, compression: Layer['compression'] = 'gzip'): Layer {
  return {
    bytes,
    digest: sha256Digest(bytes),
    diffId: sha256Digest(bytes),
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    size: bytes.length,
    compression,
    tar: bytes,
  };
}

/** Stops the test stream (with an error the test cannot mistake) once `max` compressed bytes went out. */
class SafetyNet extends Transform {
  private sent = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, callback: TransformCallback): void {
    this.sent += chunk.length;
    if (this.sent > this.max) callback(new Error('SAFETY NET: the bomb was not stopped'));
    else callback(null, chunk);
  }
}

/** Peak bytes allocated on disk under `dir/rootfs/zeros` while `work` runs. */
async function peakDiskUse(dir: string, work: Promise<unknown>): Promise<number> {
  let peak = 0;
  const sample = (): void => {
    try {
      peak = Math.max(peak, statSync(join(dir, 'rootfs', 'zeros')).blocks * 512);
    } catch {
      // not created yet, or already removed
    }
  };
  const timer = setInterval(sample, 20);
  await work.catch(() => undefined);
  clearInterval(timer);
  sample();
  return peak;
}

async function failure(f: UnpackFixture, image: ImageToWrite = f.image): Promise<ResourceError> {
  const error = await f.output.writeRootfs(f.dest, image).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ResourceError);
  return error as ResourceError;
}

/** 1 MiB that gzip shrinks about 29×: 3.3% random bytes, the rest zeros. */
function compressibleBlock(): Buffer {
  const block = Buffer.alloc(MiB);
  randomBytes(34_000).copy(block, 0);
  return block;
}

describe('decompression bombs', () => {
  it('refuses a 21 MB gzip layer of 20 GiB of zeros before 1 GiB lands on disk, in bounded time, naming layer and limit', async () => {
    const bomb = gzipFileLayer({ fileSize: 20 * GiB, block: Buffer.alloc(MiB) });
    expect(bomb.size).toBeGreaterThan(20_000_000);
    expect(bomb.size).toBeLessThan(23_000_000);
    const { layer, open } = streamedLayer(bomb);
    // Should the rule not hold, the net stops the stream after ~2 GiB of tar rather than fill the disk.
    const f = fixture([layer], { openBlob: async () => open().pipe(new SafetyNet(2_200_000)) });
    const started = Date.now();
    const run = failure(f);
    const peak = await peakDiskUse(f.dest, run);
    const error = await run;
    const elapsed = Date.now() - started;

    expect(error).toBeInstanceOf(UnsafeContentError);
    expect(error.message).toMatch(
      new RegExp(
        `^layer 1/1 \\(${layer.digest}\\) expands more than 100× its compressed size: 1[23]\\d\\.\\d MiB of tar from \\d+\\.\\d KiB read; refusing a decompression bomb \\(params.max_expansion_ratio: 100, checked past 128 MiB; raise it, or 0 for no limit, for an image that needs it\\)$`,
      ),
    );
    expect(peak).toBeGreaterThan(64 * MiB); // the sampler saw the file grow
    expect(peak).toBeLessThan(GiB);
    expect(elapsed).toBeLessThan(60_000);
    // Nothing half-written is left to look like a rootfs.
    expect(readdirSync(f.dest)).toEqual([]);
  }, 90_000);

  it('lets an ordinary layer through untouched: 160 MiB of tar at ~29×, past the floor', async () => {
    const block = compressibleBlock();
    const ordinary = gzipFileLayer({ fileSize: 160 * MiB, block });
    expect(ordinary.tarSize / ordinary.size).toBeGreaterThan(25);
    const { layer, open } = streamedLayer(ordinary);
    const f = fixture([layer], { openBlob: async () => open() });
    await f.output.writeRootfs(f.dest, f.image);
    const zeros = join(f.rootfs, 'zeros');
    expect(statSync(zeros).size).toBe(160 * MiB);
    const content = readFileSync(zeros);
    for (const at of [0, 77 * MiB, 159 * MiB]) expect(content.subarray(at, at + MiB).equals(block)).toBe(true);
  }, 90_000);

  it('checks the ratio against the compressed bytes read so far, not the declared size', async () => {
    // A descriptor that claims 1 GiB does not buy the bomb 100 GiB of room.
    const bomb = gzipFileLayer({ fileSize: 64 * MiB, block: Buffer.alloc(MiB) });
    const { layer, open } = streamedLayer(bomb);
    const f = fixture([{ ...layer, size: GiB }], { openBlob: async () => open(), expansionFloor: 4 * MiB });
    const error = await failure(f);
    expect(error).toBeInstanceOf(UnsafeContentError);
    const unpacked = /expands more than 100× its compressed size: (\d+\.\d) MiB of tar from [\d.]+ KiB read/.exec(
      error.message,
    );
    // Stopped a few MiB past the floor, not at 100 × 1 GiB.
    expect(Number(unpacked?.[1])).toBeLessThan(16);
  });

  it('also caps a layer at the ratio times its declared size, for a stream longer than its descriptor', async () => {
    // ~29× is fine against the bytes read, but the descriptor says 10 KB: at most 1000 KB of tar.
    const ordinary = gzipFileLayer({ fileSize: 16 * MiB, block: compressibleBlock() });
    const { layer, open } = streamedLayer(ordinary);
    const f = fixture([{ ...layer, size: 10_000 }], { openBlob: async () => open(), expansionFloor: MiB });
    const error = await failure(f);
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect(error.message).toMatch(/expands more than 100× its compressed size: 1\.\d MiB of tar from 9\.8 KiB read/);
  });

  it('follows params.max_expansion_ratio: a higher ratio or 0 lets the same layer through', async () => {
    const zeros = layerFromFiles([{ path: 'zeros', content: Buffer.alloc(8 * MiB) }]);
    const options = { expansionFloor: MiB };
    expect((await failure(fixture([zeros], options))).message).toMatch(/expands more than 100×/);
    const lower = fixture([zeros], options);
    expect((await failure(lower, { ...lower.image, maxExpansionRatio: 20 })).message).toMatch(
      /expands more than 20× .*\(params.max_expansion_ratio: 20,/,
    );
    for (const maxExpansionRatio of [0, 5000]) {
      const f = fixture([zeros], options);
      await f.output.writeRootfs(f.dest, { ...f.image, maxExpansionRatio });
      expect(statSync(join(f.rootfs, 'zeros')).size).toBe(8 * MiB);
    }
  });
});

describe('truncated and corrupt gzip layers', () => {
  const tar = writeTar([
    { path: 'big', content: randomBytes(200_000) },
    { path: 'after', content: 'a' },
  ]);
  const gz = gzipSync(tar);

  it('fails on a truncated gzip layer, naming it, and leaves no rootfs', async () => {
    const f = fixture([layerFromFiles([{ path: 'first', content: 'ok' }]), served(gz.subarray(0, gz.length - 100))]);
    const error = await failure(f);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.message).toMatch(/^layer 2\/2 \(sha256:[0-9a-f]{64}\) is corrupt: unexpected end of file$/);
    expect(existsSync(f.rootfs)).toBe(false);
  });

  it('fails on a gzip layer whose CRC does not match, naming it, and leaves no rootfs', async () => {
    const corrupt = Buffer.from(gz);
    corrupt[corrupt.length - 6] = (corrupt[corrupt.length - 6] as number) ^ 0x55; // CRC32 in the trailer
    const f = fixture([served(corrupt)]);
    const error = await failure(f);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.message).toMatch(/^layer 1\/1 \(sha256:[0-9a-f]{64}\) is corrupt: incorrect data check$/);
    expect(existsSync(f.rootfs)).toBe(false);
  });
});

const backends: ZstdBackend[] = zstdBackendOf() === 'zlib' ? ['fzstd', 'zlib'] : ['fzstd'];

describe.each(backends)('zstd layers through %s', (zstd) => {
  const tar = writeTar([
    { path: 'big', content: randomBytes(200_000) },
    { path: 'after', content: 'a' },
  ]);
  const zst = spawnSync('zstd', ['-q', '-c', '--check'], { input: tar }).stdout;

  it('unpacks a zstd layer of several frames', async () => {
    const frames = Buffer.concat([
      spawnSync('zstd', ['-q', '-c'], { input: tar.subarray(0, 100_000) }).stdout,
      spawnSync('zstd', ['-q', '-c', '--no-check'], { input: tar.subarray(100_000) }).stdout,
    ]);
    const f = fixture([served(frames, 'zstd')], { zstd });
    await f.output.writeRootfs(f.dest, f.image);
    expect(readFileSync(join(f.rootfs, 'big')).equals(tar.subarray(512, 512 + 200_000))).toBe(true);
    expect(readFileSync(join(f.rootfs, 'after'), 'utf8')).toBe('a');
  });

  it('fails on a truncated zstd layer, naming it, and leaves no rootfs', async () => {
    const f = fixture([served(zst.subarray(0, 150_000), 'zstd')], { zstd });
    const error = await failure(f);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.message).toMatch(
      /^layer 1\/1 \(sha256:[0-9a-f]{64}\) is corrupt: zstd stream truncated in zstd frame 1/,
    );
    expect(existsSync(f.rootfs)).toBe(false);
  });

  it('fails on a zstd layer whose frame checksum does not match, naming it, and leaves no rootfs', async () => {
    const corrupt = Buffer.from(zst);
    corrupt[corrupt.length - 2] = (corrupt[corrupt.length - 2] as number) ^ 0x55;
    const f = fixture([served(corrupt, 'zstd')], { zstd });
    const error = await failure(f);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.message).toMatch(/^layer 1\/1 \(sha256:[0-9a-f]{64}\) is corrupt: .*checksum/i);
    expect(existsSync(f.rootfs)).toBe(false);
  });

  it('refuses a zstd frame with a 2 GiB window before decoding it, naming the layer', async () => {
    const hostile = zstdFrame({ windowLog: 31, blocks: [{ type: 'rle', byte: 0, size: 512 }] });
    const f = fixture([served(Buffer.concat([zst, hostile]), 'zstd')], { zstd });
    const error = await failure(f);
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect(error.message).toMatch(
      /^layer 1\/1 \(sha256:[0-9a-f]{64}\) is refused: zstd frame 2 needs a 2 GiB window, more than the 128 MiB libzstd decodes by default$/,
    );
    expect(existsSync(f.rootfs)).toBe(false);
  });
});
