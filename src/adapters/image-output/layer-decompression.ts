import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UnsafeContentError } from '../../domain/errors';
import { zstdDecompressors, type ZstdBackend } from './zstd-decompress';
import { formatSize } from './byte-size';

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

export interface DecompressionOptions {
  /** Names the layer in errors. */
  readonly what: string;
  /** Which zstd decoder; detected from the runtime unless a test picks one. */
  readonly zstd?: ZstdBackend;
}

/** The transforms from the layer's bytes to its tar (none for a plain tar). */
export function decompressorsFor(compression: LayerCompression, options: DecompressionOptions): Transform[] {
  if (compression === 'gzip') return [createGunzip({ chunkSize: ZLIB_CHUNK })];
  if (compression === 'zstd') {
    return zstdDecompressors({ what: options.what, ...(options.zstd ? { backend: options.zstd } : {}) });
  }
  return [];
}

/**
 * The decompression-bomb rule (README, "Decompression limits"). Once a layer has produced
 * `floor` bytes of tar, it may produce at most `ratio` tar bytes per compressed byte read so
 * far, and per byte of its descriptor's size. Checking against the bytes read so far stops
 * a bomb early (a gzip of zeros expands ~1000×), whatever its declared size; the floor lets
 * small layers of zeros through; ordinary layers expand 2-30× and never come near.
 */
export interface ExpansionRule {
  /** Tar bytes allowed per compressed byte; 0 turns the rule off. */
  readonly ratio: number;
  readonly floor: number;
  /** The descriptor's size of the layer. */
  readonly compressedSize: number;
}

export const DEFAULT_MAX_EXPANSION_RATIO = 100;
export const EXPANSION_FLOOR = 128 * 1024 ** 2;

/** Counts the compressed bytes the decompressor has been given. */
export class ByteCounter extends Transform {
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

/**
 * Counts the tar bytes a layer expands to and stops a decompression bomb. It also refuses a
 * second compression inside the first: a tar never starts with gzip or zstd magic, and the tar
 * parser would otherwise silently decompress it again past this limit.
 */
export class ExpansionLimit extends Transform {
  bytes = 0;

  constructor(
    private readonly rule: ExpansionRule,
    private readonly compressed: ByteCounter,
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
    const { ratio, floor, compressedSize } = this.rule;
    if (ratio > 0 && this.bytes > floor) {
      const read = Math.min(this.compressed.bytes, Math.max(0, compressedSize));
      if (this.bytes > ratio * read) {
        callback(
          new UnsafeContentError(
            `${this.what} expands more than ${ratio}× its compressed size: ${formatSize(this.bytes)} of tar from ${formatSize(read)} read; refusing a decompression bomb (params.max_expansion_ratio: ${ratio}, checked past ${formatSize(floor)}; raise it, or 0 for no limit, for an image that needs it)`,
          ),
        );
        return;
      }
    }
    callback(null, chunk);
  }
}
