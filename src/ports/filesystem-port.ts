import { ResourceError } from '../domain/errors';

export const FilesystemPort = Symbol('FilesystemPort');

/**
 * The plain file work of `in` and `out` in the directory Concourse hands us: version files,
 * `metadata.json`, `labels.json`, the `additional_tags` file and the `image` glob. Paths are
 * absolute. Reading or writing images (rootfs, image.tar, OCI layouts) is not file work: that
 * stays behind ImageInputPort and ImageOutputPort. Failures are FilesystemErrors naming the path.
 */
export interface FilesystemPort {
  /** Creates `path` and any missing parents. */
  makeDirectory(path: string): Promise<void>;
  /** Writes a small file whole, replacing what an earlier attempt left. */
  writeFile(path: string, content: string): Promise<void>;
  /** A small UTF-8 file, read whole (the additional tags file). */
  readText(path: string): Promise<string>;
  /** Go's `filepath.Glob(filepath.Join(dir, pattern))`: absolute paths, sorted; no match is an empty list. */
  glob(pattern: string, dir: string): Promise<string[]>;
}

/** Local I/O failed (the destination or source directory Concourse hands us). */
export class FilesystemError extends ResourceError {
  override readonly name: string = 'FilesystemError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
