import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ChunkReader } from '../../../../src/adapters/registry/chunk-reader';
import { HashingCounter } from '../../../../src/adapters/registry/hashing-counter';
import { FilesystemError } from '../../../../src/ports/filesystem-port';

async function collect(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString();
}

const digestOf = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe('ChunkReader', () => {
  it('cuts one stream into sub-streams of exact lengths across source chunks', async () => {
    const reader = new ChunkReader(Readable.from([Buffer.from('abcde'), Buffer.from('fgh'), Buffer.from('ij')]));
    expect(await collect(reader.take(3))).toBe('abc');
    expect(await collect(reader.take(4))).toBe('defg');
    expect(await reader.atEnd()).toBe(false);
    expect(await collect(reader.take(3))).toBe('hij');
    expect(await reader.atEnd()).toBe(true);
  });
});

describe('HashingCounter', () => {
  it('hashes what passes when asked to', async () => {
    const counter = new HashingCounter({ digest: digestOf('layer'), size: 5 }, 'pushing blob', true);
    expect(await collect(Readable.from([Buffer.from('lay'), Buffer.from('er')]).pipe(counter))).toBe('layer');
    expect(counter.digest).toBe(digestOf('layer'));
  });

  it('refuses content longer or shorter than declared, as a local (filesystem) problem', async () => {
    const long = new HashingCounter({ digest: digestOf('x'), size: 2 }, 'pushing blob b', false);
    await expect(collect(Readable.from([Buffer.from('abc')]).pipe(long))).rejects.toThrow(
      'pushing blob b: content is longer than the declared 2 bytes',
    );
    const short = new HashingCounter({ digest: digestOf('x'), size: 9 }, 'pushing blob b', false);
    await expect(collect(Readable.from([Buffer.from('abc')]).pipe(short))).rejects.toThrow(FilesystemError);
    expect(short.problem?.message).toBe('pushing blob b: content ended after 3 of the declared 9 bytes');
  });
});
