/**
 * `bin/in` against the real registry (docker-registry on 127.0.0.1) serving hostile layers:
 * a gzip bomb of 20 GiB in 21 MB, truncated and corrupt gzip and zstd, a zstd frame asking
 * for a 2 GiB window. Every one must end in exit 1 with one line naming the layer, and leave
 * no rootfs behind.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipFileLayer, zstdFrame } from '../../unit/adapters/image-output/hostile-streams';
import { buildImage, layerFromFiles, pushImage, sha256Digest, writeTar, type Layer } from '../support/image-fixtures';
import { withRegistry } from '../support/registry-server';
import { runBin, type RunBinResult } from '../support/run-bin';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

function served(bytes: Buffer, compression: Layer['compression']): Layer {
  return {
    bytes,
    // The tar is not what these bytes hold; nothing checks diff_ids on `get`.
    digest: sha256Digest(bytes),
    diffId: sha256Digest(bytes),
    mediaType:
      compression === 'zstd'
        ? 'application/vnd.oci.image.layer.v1.tar+zstd'
        : 'application/vnd.oci.image.layer.v1.tar+gzip',
    size: bytes.length,
    compression,
    tar: Buffer.alloc(0),
  };
}

describe('in against hostile layers on a real registry', () => {
  const registry = withRegistry();
  let work: string;
  const host = (): string => registry.get().host;

  beforeAll(() => {
    work = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'in-hostile-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  async function get(
    repo: string,
    layers: Layer[],
    params: object = {},
    watch?: (dir: string) => () => void,
  ): Promise<RunBinResult & { dir: string }> {
    const digest = await pushImage(registry.get(), repo, 'v1', buildImage({ layers }));
    const dir = mkdtempSync(join(work, 'dest-'));
    const stop = watch?.(dir);
    const result = await runBin(
      'in',
      { source: { repository: `${host()}/${repo}` }, version: { tag: 'v1', digest }, params },
      { args: [dir] },
    );
    stop?.();
    return { ...result, dir };
  }

  function expectRefused(result: RunBinResult & { dir: string }, message: RegExp): void {
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('in: '))).toHaveLength(1);
    expect(lines.find((l) => l.startsWith('in: '))).toMatch(message);
    // Nothing is left that could pass for a fetched image.
    expect(readdirSync(result.dir)).toEqual([]);
  }

  it('refuses a 21 MB gzip layer of 20 GiB of zeros before 1 GiB lands on disk, within seconds', async () => {
    const bomb = gzipFileLayer({ fileSize: 20 * GiB, block: Buffer.alloc(MiB) });
    let peak = 0;
    const watch = (dir: string) => {
      const timer = setInterval(() => {
        try {
          peak = Math.max(peak, statSync(join(dir, 'rootfs', 'zeros')).blocks * 512);
        } catch {
          // not there yet, or removed
        }
      }, 20);
      return () => clearInterval(timer);
    };
    const result = await get('hostile/bomb', [served(bomb.bytes(), 'gzip')], {}, watch);
    expectRefused(
      result,
      /^in: layer 1\/1 \(sha256:[0-9a-f]{64}\) expands more than 100× its compressed size: 1[23]\d\.\d MiB of tar from [\d.]+ KiB read; refusing a decompression bomb \(params\.max_expansion_ratio: 100, checked past 128 MiB;/,
    );
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(GiB);
    expect(result.ms).toBeLessThan(30_000);
  }, 120_000);

  it('unpacks a highly compressible layer the default refuses when params.max_expansion_ratio is 0', async () => {
    const zeros = gzipFileLayer({ fileSize: 160 * MiB, block: Buffer.alloc(MiB) });
    const layer = served(zeros.bytes(), 'gzip');
    expectRefused(await get('hostile/zeros', [layer]), /expands more than 100× its compressed size/);
    const allowed = await get('hostile/zeros', [layer], { max_expansion_ratio: 0 });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(statSync(join(allowed.dir, 'rootfs', 'zeros')).size).toBe(160 * MiB);
  }, 120_000);

  it('rejects a max_expansion_ratio that is not a number ≥ 0 before downloading', async () => {
    const result = await get('hostile/param', [layerFromFiles([{ path: 'f', content: 'x' }])], {
      max_expansion_ratio: -1,
    });
    expectRefused(result, /^in: params\.max_expansion_ratio must be a number ≥ 0 \(0 turns the limit off\), got "-1"$/);
  });

  describe('truncated and corrupt streams', () => {
    const tar = writeTar([
      { path: 'big', content: randomBytes(300_000) },
      { path: 'after', content: 'a' },
    ]);
    const gz = gzipSync(tar);
    const zst = spawnSync('zstd', ['-q', '-c', '--check'], { input: tar }).stdout;
    const good = layerFromFiles([{ path: 'first', content: 'applied before the broken layer' }]);

    it('truncated gzip', async () => {
      const result = await get('hostile/gzip-truncated', [good, served(gz.subarray(0, 200_000), 'gzip')]);
      expectRefused(result, /^in: layer 2\/2 \(sha256:[0-9a-f]{64}\) is corrupt: unexpected end of file$/);
    });

    it('gzip with a wrong CRC', async () => {
      const corrupt = Buffer.from(gz);
      corrupt[corrupt.length - 7] = (corrupt[corrupt.length - 7] as number) ^ 0x01;
      const result = await get('hostile/gzip-crc', [good, served(corrupt, 'gzip')]);
      expectRefused(result, /^in: layer 2\/2 \(sha256:[0-9a-f]{64}\) is corrupt: incorrect data check$/);
    });

    it('truncated zstd', async () => {
      const result = await get('hostile/zstd-truncated', [good, served(zst.subarray(0, 200_000), 'zstd')]);
      expectRefused(
        result,
        /^in: layer 2\/2 \(sha256:[0-9a-f]{64}\) is corrupt: zstd stream truncated in zstd frame 1/,
      );
    });

    it('zstd with a wrong frame checksum', async () => {
      const corrupt = Buffer.from(zst);
      corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] as number) ^ 0x01;
      const result = await get('hostile/zstd-checksum', [good, served(corrupt, 'zstd')]);
      expectRefused(result, /^in: layer 2\/2 \(sha256:[0-9a-f]{64}\) is corrupt: .*checksum/i);
    });

    it('a zstd frame asking for a 2 GiB window', async () => {
      const huge = zstdFrame({ windowLog: 31, blocks: [{ type: 'rle', byte: 0, size: 1024 }] });
      const result = await get('hostile/zstd-window', [good, served(huge, 'zstd')]);
      expectRefused(
        result,
        /^in: layer 2\/2 \(sha256:[0-9a-f]{64}\) is refused: zstd frame 1 needs a 2 GiB window, more than the 128 MiB libzstd decodes by default$/,
      );
      expect(existsSync(join(result.dir, 'rootfs'))).toBe(false);
    });
  });
});
