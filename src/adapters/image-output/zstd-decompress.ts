import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import { UnsafeContentError } from '../../domain/errors';
import { Xxh64 } from './xxhash64';
import {
  MAX_ZSTD_WINDOW,
  ZstdFrameReader,
  ZstdWindowError,
  type ZstdFrameHeader,
  type ZstdFrameSink,
} from './zstd-frame';

/** libzstd through Node's zlib (Node ≥ 22.15 / 23.8), or the pure-JS fzstd decoder. */
export type ZstdBackend = 'zlib' | 'fzstd';

/** The part of `node:zlib` the choice depends on (absent from Node 20 and its types). */
export interface ZlibZstdApi {
  createZstdDecompress?: (options?: { params?: Record<number, number> }) => Transform;
  constants: { ZSTD_d_windowLogMax?: number };
}

/** Feature detection, not a version check: libzstd when the runtime has it. */
export function zstdBackendOf(api: ZlibZstdApi = zlib as unknown as ZlibZstdApi): ZstdBackend {
  return typeof api.createZstdDecompress === 'function' ? 'zlib' : 'fzstd';
}

/**
 * fzstd moves its whole window once per block. Real encoders write 128 KiB blocks, so the
 * work stays within ~1000× the output; a hostile stream of empty blocks under a large window
 * would not. Past a fixed allowance, the moved bytes must stay within 1024× the output.
 */
const FZSTD_WORK_ALLOWANCE = 2 * 1024 ** 3;
const FZSTD_WORK_PER_BYTE = 1024;

const CHUNK = 256 * 1024;
/** At most 128 RLE blocks (16 MiB) decoded before the output is checked for room. */
const SLICE = 512;

function refuse(what: string, error: unknown): Error {
  if (error instanceof ZstdWindowError) return new UnsafeContentError(`${what} is refused: ${error.message}`);
  if (error instanceof UnsafeContentError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new Error(message.startsWith('zstd') ? message : `zstd: ${message}`);
}

/** Reads the frame structure of the stream passing through, refusing bad frames before the decoder sees them. */
class ZstdFrameGuard extends Transform {
  private readonly reader: ZstdFrameReader;

  constructor(
    private readonly what: string,
    maxWindow: number,
  ) {
    super();
    const ignore = (): void => undefined;
    this.reader = new ZstdFrameReader({ frameStart: ignore, frameBytes: ignore, frameEnd: ignore }, maxWindow);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.reader.push(chunk);
    } catch (error) {
      callback(refuse(this.what, error));
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.reader.end();
      callback();
    } catch (error) {
      callback(refuse(this.what, error));
    }
  }
}

/**
 * fzstd, one decoder per frame (skippable frames never reach it), with the frame checksum
 * fzstd skips verified here.
 */
class FzstdDecompress extends Transform {
  private readonly reader: ZstdFrameReader;
  private decoder: Decompress | undefined;
  private hash: Xxh64 | undefined;
  private produced = 0;
  private work = 0;
  private paused: (() => void) | undefined;

  constructor(
    private readonly what: string,
    maxWindow: number,
  ) {
    super({ readableHighWaterMark: CHUNK });
    const sink: ZstdFrameSink = {
      frameStart: (header) => this.startFrame(header),
      frameBytes: (bytes) => this.decoder?.push(bytes),
      block: (header) => {
        this.work += header.windowSize;
        if (this.work > FZSTD_WORK_ALLOWANCE + FZSTD_WORK_PER_BYTE * this.produced) {
          throw new UnsafeContentError(
            `${this.what} is refused: zstd frame ${header.index} has too many small blocks for its window (${header.windowSize} bytes) to decode in bounded time`,
          );
        }
      },
      frameEnd: (header, checksum) => this.endFrame(header, checksum),
    };
    this.reader = new ZstdFrameReader(sink, maxWindow);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.feed(chunk, 0, callback);
  }

  override _read(size: number): void {
    const paused = this.paused;
    this.paused = undefined;
    if (paused) paused();
    else super._read(size);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.reader.end();
      callback();
    } catch (error) {
      callback(refuse(this.what, error));
    }
  }

  /**
   * fzstd decodes synchronously whatever it is given, and 4 bytes of RLE block regenerate
   * 128 KiB: feed it small slices and wait for the reader whenever the output is full.
   */
  private feed(chunk: Buffer, from: number, callback: TransformCallback): void {
    let at = from;
    try {
      while (at < chunk.length) {
        const end = Math.min(chunk.length, at + SLICE);
        this.reader.push(chunk.subarray(at, end));
        at = end;
        if (at < chunk.length && this.readableLength >= this.readableHighWaterMark) {
          this.paused = () => this.feed(chunk, at, callback);
          return;
        }
      }
    } catch (error) {
      callback(refuse(this.what, error));
      return;
    }
    callback();
  }

  private startFrame(header: ZstdFrameHeader): void {
    const hash = header.hasChecksum ? new Xxh64() : undefined;
    this.hash = hash;
    this.decoder = new Decompress((data) => {
      if (data.length === 0) return;
      hash?.update(data);
      this.produced += data.length;
      this.push(Buffer.from(data.buffer, data.byteOffset, data.length));
    });
  }

  private endFrame(header: ZstdFrameHeader, checksum: number | undefined): void {
    this.decoder?.push(new Uint8Array(0), true);
    this.decoder = undefined;
    if (checksum === undefined || !this.hash) return;
    const actual = this.hash.low32();
    this.hash = undefined;
    if (actual !== checksum) {
      throw new Error(
        `zstd frame ${header.index} fails its checksum: stored 0x${checksum.toString(16).padStart(8, '0')}, content hashes to 0x${actual.toString(16).padStart(8, '0')}`,
      );
    }
  }
}

export interface ZstdOptions {
  /** Names the layer in errors. */
  readonly what: string;
  readonly backend?: ZstdBackend;
  /** Largest window accepted; tests lower it. */
  readonly maxWindow?: number;
  readonly api?: ZlibZstdApi;
}

/**
 * The transforms that turn a zstd layer into its tar: our frame reader first (window limit,
 * structure) then libzstd, which verifies checksums itself; or fzstd behind the same reader.
 */
export function zstdDecompressors(options: ZstdOptions): Transform[] {
  const api = options.api ?? (zlib as unknown as ZlibZstdApi);
  const backend = options.backend ?? zstdBackendOf(api);
  const maxWindow = options.maxWindow ?? MAX_ZSTD_WINDOW;
  if (backend === 'fzstd') return [new FzstdDecompress(options.what, maxWindow)];
  const create = api.createZstdDecompress;
  if (!create) throw new Error('this Node.js has no zstd in zlib');
  const windowLogMax = api.constants.ZSTD_d_windowLogMax;
  const params = windowLogMax !== undefined ? { [windowLogMax]: Math.ceil(Math.log2(maxWindow)) } : undefined;
  return [new ZstdFrameGuard(options.what, maxWindow), create({ ...(params ? { params } : {}) })];
}
