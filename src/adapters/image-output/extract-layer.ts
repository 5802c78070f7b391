import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Parser, type ReadEntry } from 'tar';
import { ResourceError, UnsafeContentError } from '../../domain/errors';
import type { Logger } from '../../ports/logger';
import { zstdBackendOf } from './zstd-decompress';
import { LayerApplier } from './layer-applier';
import {
  ByteCounter,
  compressionOf,
  decompressorsFor,
  DEFAULT_MAX_EXPANSION_RATIO,
  EXPANSION_FLOOR,
  ExpansionLimit,
  peek,
  type LayerCompression,
} from './layer-decompression';
import type { RootfsPaths } from './rootfs-paths';
import type { ZstdBackend } from './zstd-decompress';
import { FilesystemError } from '../../ports/filesystem-port';
import { RegistryError } from '../../ports/registry-errors';

export interface ExtractLayerOptions {
  readonly paths: RootfsPaths;
  readonly chown: boolean;
  readonly logger: Logger;
  /** "layer 2/5 sha256:…" — names the layer in every error. */
  readonly what: string;
  readonly compressedSize: number;
  /** Tar bytes allowed per compressed byte (0: no limit); DEFAULT_MAX_EXPANSION_RATIO otherwise. */
  readonly maxExpansionRatio?: number;
  /** Tar bytes a layer may always produce before the ratio is checked (128 MiB; tests lower it). */
  readonly expansionFloor?: number;
  /** The zstd decoder; detected from the runtime unless a test picks one. */
  readonly zstd?: ZstdBackend;
}

/** Warnings node-tar raises for data it can still make sense of; everything else is a broken layer. */
const HARMLESS_WARNINGS = new Set(['TAR_ENTRY_INFO', 'TAR_ENTRY_UNSUPPORTED']);

function isAllZero(chunk: Buffer): boolean {
  for (let i = 0; i < chunk.length; i++) if (chunk[i] !== 0) return false;
  return true;
}

/** A writable end that feeds node-tar's parser and hands every entry to the applier. */
function tarSink(applier: LayerApplier, logger: Logger, what: string): Writable {
  const parser = new Parser({ strict: false });
  let onlyZeros = true;
  let parserError: unknown;
  parser.on('entry', (entry: ReadEntry) => applier.apply(entry));
  parser.on('warn', (code: string, message: string | Error) => {
    const text = message instanceof Error ? message.message : message;
    if (HARMLESS_WARNINGS.has(code)) {
      logger.debug(`${what}: ${text}`);
      return;
    }
    // An empty layer is 1 KiB of zeros, which node-tar calls unrecognised.
    if (code === 'TAR_BAD_ARCHIVE' && applier.entries === 0 && onlyZeros) return;
    parserError ??= new UnsafeContentError(`${what} is not a valid tar archive: ${text}`);
  });
  parser.on('error', (error: Error) => {
    parserError ??= new UnsafeContentError(`${what} is not a valid tar archive: ${error.message}`);
  });
  const check = (): Error | null => {
    const failure = applier.error ?? parserError;
    if (failure === undefined) return null;
    return failure instanceof Error ? failure : new Error(String(failure));
  };
  return new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      if (onlyZeros && applier.entries === 0) onlyZeros = isAllZero(chunk);
      const more = parser.write(chunk);
      const failure = check();
      if (failure || more) callback(failure);
      else parser.once('drain', () => callback(check()));
    },
    final(callback) {
      parser.once('end', () => {
        const failure = check();
        if (!failure) {
          try {
            applier.finish();
          } catch (error) {
            callback(error as Error);
            return;
          }
        }
        callback(failure);
      });
      parser.end();
    },
    destroy(error, callback) {
      applier.closeOpenFile();
      callback(error);
    },
  });
}

/**
 * Streams one layer blob through decompression (chosen from its first bytes) and the bomb
 * limit into the rootfs. A layer that fails leaves its partial files behind: the caller
 * removes the rootfs. Resolves only when the blob stream itself ended cleanly, i.e. after
 * the registry adapter verified its digest.
 */
export async function extractLayer(source: Readable, options: ExtractLayerOptions): Promise<LayerCompression> {
  const { paths, chown, logger, what } = options;
  const compression = compressionOf(await peek(source, 4));
  const kind = compression === 'none' ? 'uncompressed' : compression;
  const decoder = compression === 'zstd' ? ` (${zstdBackendOf() === 'zlib' ? 'libzstd' : 'fzstd'})` : '';
  logger.debug(`${what}: ${kind} tar${decoder}`);
  const applier = new LayerApplier(paths, chown, logger, what);
  const compressed = new ByteCounter();
  const rule = {
    ratio: options.maxExpansionRatio ?? DEFAULT_MAX_EXPANSION_RATIO,
    floor: options.expansionFloor ?? EXPANSION_FLOOR,
    compressedSize: options.compressedSize,
  };
  const limit = new ExpansionLimit(rule, compressed, what);
  const decompressors = decompressorsFor(compression, { what, ...(options.zstd ? { zstd: options.zstd } : {}) });
  try {
    await pipeline([source, compressed, ...decompressors, limit, tarSink(applier, logger, what)]);
  } catch (error) {
    applier.closeOpenFile();
    if (error instanceof ResourceError) throw error;
    const err = error as NodeJS.ErrnoException;
    if (typeof err.syscall === 'string') {
      throw new FilesystemError(`${what} could not be unpacked: ${err.message}`, { cause: error });
    }
    throw new RegistryError(`${what} is corrupt: ${err.message}`, { cause: error });
  }
  logger.debug(`${what}: ${applier.entries} entries, ${limit.bytes} bytes unpacked`);
  return compression;
}
