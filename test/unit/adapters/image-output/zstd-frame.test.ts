import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_ZSTD_WINDOW,
  ZstdFormatError,
  ZstdFrameReader,
  ZstdWindowError,
  type ZstdFrameHeader,
} from '../../../../src/adapters/image-output/zstd-frame';
import { skippableFrame, zstdFrame } from './hostile-streams';

function zstdCli(data: Buffer, ...args: string[]): Buffer {
  return spawnSync('zstd', ['-q', '-c', ...args], { input: data, maxBuffer: 1 << 28 }).stdout;
}

interface Seen {
  headers: ZstdFrameHeader[];
  bytes: Buffer[];
  checksums: Array<number | undefined>;
  blocks: number;
}

function read(stream: Buffer, chunk = stream.length, maxWindow?: number): Seen {
  const seen: Seen = { headers: [], bytes: [], checksums: [], blocks: 0 };
  const reader = new ZstdFrameReader(
    {
      frameStart: (h) => seen.headers.push(h),
      frameBytes: (b) => seen.bytes.push(Buffer.from(b)),
      block: () => seen.blocks++,
      frameEnd: (_h, c) => seen.checksums.push(c),
    },
    maxWindow,
  );
  for (let i = 0; i < stream.length; i += chunk) reader.push(stream.subarray(i, i + chunk));
  reader.end();
  return seen;
}

function failure(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('zstd frame reader', () => {
  it('walks frames the zstd CLI writes, skipping skippable frames, whatever the chunking', () => {
    const a = zstdCli(randomBytes(300_000), '-3', '--check');
    const b = zstdCli(Buffer.alloc(500_000, 'b'), '-19', '--no-check');
    const stream = Buffer.concat([skippableFrame(Buffer.from('metadata')), a, skippableFrame(Buffer.alloc(0), 0), b]);
    for (const chunk of [1, 2, 3, 7, 64, 4096, stream.length]) {
      const seen = read(stream, chunk);
      expect(seen.headers.map((h) => [h.index, h.hasChecksum])).toEqual([
        [1, true],
        [2, false],
      ]);
      // The sink gets exactly the zstd frames' bytes, in order; skippable frames never.
      expect(Buffer.concat(seen.bytes).equals(Buffer.concat([a, b]))).toBe(true);
      expect(seen.checksums).toEqual([a.readUInt32LE(a.length - 4), undefined]);
      expect(seen.blocks).toBeGreaterThanOrEqual(3);
    }
  });

  it('computes the window from the descriptor (exponent and mantissa) and from a single segment', () => {
    const raw = [{ type: 'raw' as const, data: Buffer.from('x') }];
    expect(read(zstdFrame({ windowLog: 27, blocks: raw })).headers[0]?.windowSize).toBe(MAX_ZSTD_WINDOW);
    expect(read(zstdFrame({ windowLog: 20, windowMantissa: 3, blocks: raw })).headers[0]?.windowSize).toBe(
      2 ** 20 + 3 * 2 ** 17,
    );
    const single = read(zstdFrame({ singleSegmentSize: 1, blocks: raw })).headers[0];
    expect(single).toMatchObject({ windowSize: 1, contentSize: 1 });
  });

  it('refuses a window over 128 MiB (windowLog > 27) before any byte of the frame reaches the sink', () => {
    for (const [frame, size] of [
      [zstdFrame({ windowLog: 27, windowMantissa: 1, blocks: [{ type: 'raw', data: Buffer.from('x') }] }), '144 MiB'],
      [zstdFrame({ windowLog: 31, blocks: [{ type: 'raw', data: Buffer.from('x') }] }), '2 GiB'],
      [zstdFrame({ singleSegmentSize: 2 ** 27 + 1, blocks: [{ type: 'raw', data: Buffer.from('x') }] }), '128.0 MiB'],
    ] as const) {
      const frames = Buffer.concat([zstdCli(Buffer.from('first frame is fine')), frame]);
      const sent: Buffer[] = [];
      const reader = new ZstdFrameReader({
        frameStart: () => undefined,
        frameBytes: (b) => sent.push(b),
        frameEnd: () => undefined,
      });
      const error = failure(() => reader.push(frames));
      expect(error).toBeInstanceOf(ZstdWindowError);
      expect(error.message).toBe(
        `zstd frame 2 needs a ${size} window, more than the 128 MiB libzstd decodes by default`,
      );
      expect(Buffer.concat(sent).length).toBe(frames.length - frame.length);
    }
  });

  it('reports a stream cut at any byte as truncated', () => {
    const frame = Buffer.concat([zstdCli(randomBytes(2000), '--check'), skippableFrame(Buffer.from('tail'))]);
    for (let cut = 1; cut < frame.length; cut++) {
      if (cut === frame.length - 12) continue; // exactly between the two frames: a complete stream
      const error = failure(() => read(frame.subarray(0, cut)));
      expect(error, `cut at ${cut}`).toBeInstanceOf(ZstdFormatError);
      expect(error.message).toMatch(
        /^zstd stream truncated in (zstd frame 1|a skippable zstd frame) \(ended at byte \d+\)$/,
      );
    }
    expect(failure(() => read(Buffer.alloc(0))).message).toBe('zstd stream holds no frame');
  });

  it('refuses what the format forbids: reserved bits and block type, oversized blocks, dictionaries, garbage after a frame', () => {
    const ok = zstdFrame({ blocks: [{ type: 'raw', data: Buffer.from('x') }] });
    const reserved = Buffer.from(ok);
    reserved[4] = (reserved[4] as number) | 0x08;
    const cases: Array<[Buffer, RegExp]> = [
      [reserved, /^zstd frame 1 sets a reserved header bit$/],
      [zstdFrame({ blocks: [{ type: 'custom', typeBits: 3, size: 1, data: Buffer.from('x') }] }), /reserved type/],
      [
        zstdFrame({ blocks: [{ type: 'rle', byte: 0, size: 128 * 1024 + 1 }] }),
        /block of 131073 bytes, more than 128 KiB/,
      ],
      [zstdFrame({ dictionaryId: 7, blocks: [{ type: 'raw', data: Buffer.from('x') }] }), /needs dictionary 7/],
      [Buffer.concat([ok, Buffer.from('garbage!')]), /^not a zstd frame at byte 10 \(magic 0x62726167\)$/],
    ];
    for (const [stream, message] of cases) {
      const error = failure(() => read(stream));
      expect(error).toBeInstanceOf(ZstdFormatError);
      expect(error.message).toMatch(message);
    }
  });
});
