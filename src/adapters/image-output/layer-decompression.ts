import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { UnsafeContentError } from '../../domain/errors';

export type LayerCompression = 'gzip' | 'zstd' | 'none';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const ZLIB_CHUNK = 256 * 1024;

function startsWith(bytes: Buffer, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

/** Compression from the first bytes, never from the media type (registries and builders mislabel layers). */
export function compressionOf(head: Buffer): LayerCompression {
  if (startsWith(head, GZIP_MAGIC)) return 'gzip';
  if (startsWith(head, ZSTD_MAGIC)) return 'zstd';
  return 'none';
}

/** Reads up to `n` bytes and puts them back, so the stream still starts at its first byte. */
export async function peek(stream: Readable, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < n) {
    const chunk = stream.read() as Buffer | null;
    if (chunk !== null) {
      chunks.push(chunk);
      length += chunk.length;
      continue;
    }
    if (stream.readableEnded || stream.destroyed) break;
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        stream.off('readable', done);
        stream.off('end', done);
        stream.off('error', failed);
        resolve();
      };
      const failed = (error: Error): void => {
        stream.off('readable', done);
        stream.off('end', done);
        reject(error);
      };
      stream.once('readable', done);
      stream.once('end', done);
      stream.once('error', failed);
    });
  }
  const head = Buffer.concat(chunks);
  if (head.length > 0) stream.unshift(head);
  return head.subarray(0, n);
}

/** Streaming zstd (Node 20's zlib has none) on top of the pure-JS fzstd decoder. */
class ZstdDecompress extends Transform {
  private readonly decoder = new Decompress((data) => {
    if (data.length > 0) this.push(Buffer.from(data.buffer, data.byteOffset, data.length));
  });

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.decoder.push(chunk);
      callback();
    } catch (error) {
      callback(new Error(`zstd: ${(error as Error).message}`));
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      callback();
    } catch (error) {
      callback(new Error(`zstd: ${(error as Error).message}`));
    }
  }
}

export function decompressorFor(compression: LayerCompression): Transform | undefined {
  if (compression === 'gzip') return createGunzip({ chunkSize: ZLIB_CHUNK });
  if (compression === 'zstd') return new ZstdDecompress();
  return undefined;
}

/**
 * Counts the tar bytes a layer expands to and stops a decompression bomb. It also refuses a
 * second compression inside the first: a tar never starts with gzip or zstd magic, and the tar
 * parser would otherwise silently decompress it again past this limit.
 */
export class ExpansionLimit extends Transform {
  bytes = 0;

  constructor(
    private readonly limit: number,
    private readonly what: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.bytes === 0 && compressionOf(chunk) !== 'none') {
      callback(new UnsafeContentError(`${this.what} is compressed twice; its content is not a tar archive`));
      return;
    }
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      callback(
        new UnsafeContentError(
          `${this.what} expands past ${this.limit} bytes (max of 1 GiB and 200× its compressed size); refusing a decompression bomb`,
        ),
      );
      return;
    }
    callback(null, chunk);
  }
}

/** max(floor, 200 × compressed size), the Go-independent bomb rule of the issue. */
export function expansionLimit(compressedSize: number, floor = 1024 ** 3): number {
  return Math.max(floor, 200 * Math.max(0, compressedSize));
}
