import type { Readable } from 'node:stream';
import { ResourceError } from '../domain/errors';

export const FilesystemPort = Symbol('FilesystemPort');

/**
 * The local side of `in` and `out`: the destination/source directory Concourse hands us.
 * Paths are absolute. Image-format readers and writers (rootfs, OCI tarball, OCI layout) live
 * in adapters behind the ports of the use cases that need them.
 */
export interface FilesystemPort {
  writeFile(path: string, content: string | Buffer): Promise<void>;
  readFile(path: string): Promise<Buffer>;
  mkdirp(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  openRead(path: string): Readable;
  /** Expand a glob relative to `cwd`; results are absolute, sorted. */
  glob(pattern: string, cwd: string): Promise<string[]>;
}

/** Local I/O failed (the destination or source directory Concourse hands us). */
export class FilesystemError extends ResourceError {
  override readonly name = 'FilesystemError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('FILESYSTEM', message, options);
  }
}
