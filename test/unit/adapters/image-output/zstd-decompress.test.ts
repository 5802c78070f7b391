import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { UnsafeContentError } from '../../../../src/domain/errors';
import {
  zstdBackendOf,
  zstdDecompressors,
  type ZlibZstdApi,
  type ZstdBackend,
} from '../../../../src/adapters/image-output/zstd-decompress';
import { chunked, skippableFrame, zstdFrame } from './hostile-streams';

const WHAT = 'layer 2/3 (sha256:abc)';

function zstdCli(data: Buffer, ...args: string[]): Buffer {
  return spawnSync('zstd', ['-q', '-c', ...args], { input: data, maxBuffer: 1 << 28 }).stdout;
}

async function decode(input: Readable, backend: ZstdBackend): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline([
    input,
    ...zstdDecompressors({ what: WHAT, backend }),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        out.push(chunk);
        cb();
      },
    }),
  ]);
  return Buffer.concat(out);
}

async function decodeError(input: Buffer, backend: ZstdBackend): Promise<Error> {
  return decode(chunked(input, 4096), backend).then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as Error,
  );
}

describe('zstd backend choice', () => {
  it('takes libzstd when zlib has createZstdDecompress, fzstd otherwise', () => {
    const withZstd: ZlibZstdApi = { createZstdDecompress: () => new PassThrough(), constants: {} };
    expect(zstdBackendOf(withZstd)).toBe('zlib');
    expect(zstdBackendOf({ constants: {} })).toBe('fzstd');
    // This runtime: Node 20 has no zstd in zlib, Node >= 22.15 has.
    expect(zstdBackendOf()).toBe(typeof (process.versions as { zstd?: string }).zstd === 'string' ? 'zlib' : 'fzstd');
  });

  it('gives libzstd the window limit and puts the frame reader in front of it', async () => {
    const given: Array<Record<number, number> | undefined> = [];
    const api: ZlibZstdApi = {
      createZstdDecompress: (options) => {
        given.push(options?.params);
        return new PassThrough();
      },
      constants: { ZSTD_d_windowLogMax: 100 },
    };
    const chain = zstdDecompressors({ what: WHAT, api });
    expect(chain).toHaveLength(2);
    expect(given).toEqual([{ 100: 27 }]);
    // The reader refuses a 2 GiB window before libzstd sees a byte.
    const seen: Buffer[] = [];
    (chain[1] as Transform).on('data', (b: Buffer) => seen.push(b));
    const huge = zstdFrame({ windowLog: 31, blocks: [{ type: 'raw', data: Buffer.from('x') }] });
    const error = await pipeline([Readable.from([huge]), ...chain]).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect((error as Error).message).toBe(
      `${WHAT} is refused: zstd frame 1 needs a 2 GiB window, more than the 128 MiB libzstd decodes by default`,
    );
    expect(seen).toEqual([]);
  });
});

// Node 20 runs the fzstd path; a runtime with zstd in zlib runs both.
const backends: ZstdBackend[] = zstdBackendOf() === 'zlib' ? ['fzstd', 'zlib'] : ['fzstd'];

describe.each(backends)('zstd decoding through %s', (backend) => {
  it('decodes several frames with skippable frames between them, in any chunking', async () => {
    const a = randomBytes(200_000);
    const b = Buffer.alloc(300_000, 'b');
    const stream = Buffer.concat([
      zstdCli(a, '-3', '--check'),
      skippableFrame(Buffer.from('skip me')),
      zstdCli(b, '-19', '--no-check'),
      skippableFrame(Buffer.alloc(0)),
    ]);
    for (const size of [1, 1000, 65536]) {
      expect((await decode(chunked(stream, size), backend)).equals(Buffer.concat([a, b]))).toBe(true);
    }
  });

  it('refuses a frame whose checksum does not match its content', async () => {
    const frame = zstdCli(randomBytes(100_000), '--check');
    frame[frame.length - 1] = (frame[frame.length - 1] as number) ^ 0xff;
    const error = await decodeError(frame, backend);
    expect(error).not.toBeInstanceOf(UnsafeContentError);
    expect(error.message).toMatch(backend === 'fzstd' ? /^zstd frame 1 fails its checksum: stored 0x/ : /checksum/i);
  });

  it('detects a flipped byte of raw content, which only the checksum covers', async () => {
    const content = Buffer.from('exactly these bytes');
    const cli = zstdCli(content, '--check');
    const checksum = cli.readUInt32LE(cli.length - 4);
    const intact = zstdFrame({ blocks: [{ type: 'raw', data: content }], checksum });
    expect((await decode(chunked(intact, 7), backend)).equals(content)).toBe(true);
    const flipped = zstdFrame({ blocks: [{ type: 'raw', data: Buffer.from('exactly_these bytes') }], checksum });
    expect((await decodeError(flipped, backend)).message).toMatch(/checksum/i);
  });

  it('reports a truncated stream', async () => {
    const frame = zstdCli(randomBytes(100_000), '--check');
    const error = await decodeError(frame.subarray(0, 60_000), backend);
    expect(error.message).toMatch(/truncated|end|incomplete/i);
    expect(error).not.toBeInstanceOf(UnsafeContentError);
  });

  it('refuses a 2 GiB window at once, without allocating it', async () => {
    const before = process.memoryUsage().rss;
    const started = Date.now();
    const frame = zstdFrame({ windowLog: 31, blocks: [{ type: 'rle', byte: 0, size: 100 }] });
    const error = await decodeError(frame, backend);
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect(error.message).toMatch(/^layer 2\/3 \(sha256:abc\) is refused: zstd frame 1 needs a 2 GiB window/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(process.memoryUsage().rss - before).toBeLessThan(512 * 1024 * 1024);
  });
});

describe('zstd decoding through fzstd: bounded work', () => {
  it('refuses a 128 MiB window of 1-byte blocks (fzstd moves its window once per block)', async () => {
    const blocks = Array.from({ length: 5000 }, () => ({ type: 'raw' as const, data: Buffer.from('x') }));
    const started = Date.now();
    const error = await decodeError(zstdFrame({ windowLog: 27, blocks }), 'fzstd');
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect(error.message).toMatch(/^layer 2\/3 \(sha256:abc\) is refused: zstd frame 1 has too many small blocks/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('keeps to the reader’s pace: 2 GiB of RLE blocks never pile up in memory', async () => {
    // One frame of 16384 RLE blocks (2 GiB of zeros) from 64 KiB of input.
    const blocks = Array.from({ length: 16384 }, () => ({ type: 'rle' as const, byte: 0, size: 128 * 1024 }));
    const frame = zstdFrame({ windowLog: 17, blocks });
    const chain = zstdDecompressors({ what: WHAT, backend: 'fzstd' });
    const decoder = chain[0] as Transform;
    Readable.from([frame]).pipe(decoder);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Nobody reads: fzstd must have stopped near the high-water mark, not at 2 GiB.
    expect(decoder.readableLength).toBeLessThan(64 * 1024 * 1024);
    let total = 0;
    for await (const chunk of decoder) total += (chunk as Buffer).length;
    expect(total).toBe(16384 * 128 * 1024);
  });
});
