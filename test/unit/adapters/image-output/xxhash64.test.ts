import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Xxh64, xxh64 } from '../../../../src/adapters/image-output/xxhash64';

const M = (1n << 64n) - 1n;
const P = [0x9e3779b185ebca87n, 0xc2b2ae3d27d4eb4fn, 0x165667b19e3779f9n, 0x85ebca77c2b2ae63n, 0x27d4eb2f165667c5n];
const [P1, P2, P3, P4, P5] = P as [bigint, bigint, bigint, bigint, bigint];
const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M;
const round = (acc: bigint, lane: bigint): bigint => (rotl((acc + lane * P2) & M, 31n) * P1) & M;
const merge = (acc: bigint, v: bigint): bigint => (((acc ^ round(0n, v)) * P1 + P4) & M) as bigint;

/** The specification, word for word in BigInt: slow and obviously right. */
function reference(data: Buffer): bigint {
  let i = 0;
  let h: bigint;
  if (data.length >= 32) {
    let v = [(P1 + P2) & M, P2, 0n, (0n - P1) & M];
    for (; i + 32 <= data.length; i += 32) {
      v = v.map((acc, k) => round(acc, data.readBigUInt64LE(i + 8 * k)));
    }
    const [v1, v2, v3, v4] = v as [bigint, bigint, bigint, bigint];
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M;
    for (const x of v) h = merge(h, x);
  } else h = P5;
  h = (h + BigInt(data.length)) & M;
  for (; i + 8 <= data.length; i += 8) h = (rotl(h ^ round(0n, data.readBigUInt64LE(i)), 27n) * P1 + P4) & M;
  if (i + 4 <= data.length) {
    h = (rotl(h ^ ((BigInt(data.readUInt32LE(i)) * P1) & M), 23n) * P2 + P3) & M;
    i += 4;
  }
  for (; i < data.length; i++) h = (rotl(h ^ ((BigInt(data[i] as number) * P5) & M), 11n) * P1) & M;
  h = ((h ^ (h >> 33n)) * P2) & M;
  h = ((h ^ (h >> 29n)) * P3) & M;
  return h ^ (h >> 32n);
}

describe('XXH64', () => {
  it('matches the published vectors', () => {
    expect(xxh64(Buffer.alloc(0))).toBe(0xef46db3751d8e999n);
    expect(xxh64(Buffer.from('a'))).toBe(0xd24ec4f1a98c6e5bn);
    expect(xxh64(Buffer.from('abc'))).toBe(0x44bc2cf5ad770999n);
    expect(reference(Buffer.from('abc'))).toBe(0x44bc2cf5ad770999n);
  });

  it('agrees with the BigInt reference for every length to 300 and any chunking', () => {
    const data = randomBytes(300);
    for (let n = 0; n <= 300; n++) {
      const part = data.subarray(0, n);
      const expected = reference(part);
      expect(xxh64(part)).toBe(expected);
      const h = new Xxh64();
      for (let i = 0; i < n;) {
        const step = 1 + ((i * 7 + n) % 45);
        h.update(part.subarray(i, i + step));
        i += step;
      }
      expect(h.digest()).toBe(expected);
    }
  });

  it('gives the checksum the zstd CLI stores at the end of a frame', () => {
    for (const size of [0, 31, 32, 1000, 200_000]) {
      const data = randomBytes(size);
      const frame = spawnSync('zstd', ['-q', '-c', '--check'], { input: data }).stdout;
      expect(new Xxh64().update(data).low32()).toBe(frame.readUInt32LE(frame.length - 4));
    }
  });
});
