import { lstatSync, mkdirSync, readlinkSync } from 'node:fs';
import { UnsafeContentError } from '../../domain/errors';

const MAX_SYMLINK_HOPS = 40;

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/**
 * Maps layer entry names to paths inside the rootfs without ever leaving it. Parent
 * directories are resolved component by component the way a chroot would: a symlinked
 * directory (`lib -> usr/lib`, `/bin -> /usr/bin`) is followed inside the rootfs, and a link
 * that climbs above it is a hostile layer. Resolved parents are cached because layers list
 * thousands of files per directory; any removal of a directory or link clears the cache.
 */
export class RootfsPaths {
  private readonly parents = new Map<string, string>();

  constructor(
    readonly root: string,
    /** Names the layer being applied in error messages. */
    public what: string,
  ) {}

  /** Entry name → components; `..` anywhere is refused rather than clamped, as no honest layer uses it. */
  components(name: string, field = 'entry'): string[] {
    const parts: string[] = [];
    for (const part of name.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') throw new UnsafeContentError(`${this.what}: ${field} "${name}" points outside the rootfs`);
      parts.push(part);
    }
    return parts;
  }

  invalidate(): void {
    this.parents.clear();
  }

  /**
   * Absolute directory holding the last component of `parts`. Missing directories are
   * created when `create`; otherwise `undefined` means the parent does not exist.
   */
  parentOf(parts: readonly string[], create: boolean): string | undefined {
    const key = parts.slice(0, -1).join('/');
    const cached = this.parents.get(key);
    if (cached !== undefined) return cached;
    const resolved = this.resolveDirectory(parts.slice(0, -1), create, parts.join('/'));
    if (resolved !== undefined) this.parents.set(key, resolved);
    return resolved;
  }

  private resolveDirectory(parts: readonly string[], create: boolean, name: string): string | undefined {
    const resolved: string[] = [];
    const queue = [...parts];
    let hops = 0;
    while (queue.length > 0) {
      const part = queue.shift() as string;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (resolved.length === 0) {
          throw new UnsafeContentError(
            `${this.what}: entry "${name}" resolves through a symlink to outside the rootfs`,
          );
        }
        resolved.pop();
        continue;
      }
      const path = this.absolute(resolved, part);
      let stat;
      try {
        stat = lstatSync(path);
      } catch (error) {
        if (errno(error) !== 'ENOENT') throw error;
        if (!create) return undefined;
        mkdirSync(path, { mode: 0o755 });
        resolved.push(part);
        continue;
      }
      if (stat.isDirectory()) {
        resolved.push(part);
      } else if (stat.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) {
          throw new UnsafeContentError(`${this.what}: entry "${name}": too many levels of symbolic links`);
        }
        const target = readlinkSync(path);
        if (target.startsWith('/')) resolved.length = 0;
        queue.unshift(...target.split('/'));
      } else {
        throw new UnsafeContentError(
          `${this.what}: entry "${name}": "${[...resolved, part].join('/')}" is not a directory`,
        );
      }
    }
    return resolved.length === 0 ? this.root : `${this.root}/${resolved.join('/')}`;
  }

  private absolute(resolved: readonly string[], part: string): string {
    return resolved.length === 0 ? `${this.root}/${part}` : `${this.root}/${resolved.join('/')}/${part}`;
  }
}
