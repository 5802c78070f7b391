import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import type { ReadEntry } from 'tar';
import { UnsafeContentError } from '../../domain/errors';
import type { Logger } from '../../ports/logger';
import type { RootfsPaths } from './rootfs-paths';

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
const CREATE_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

interface DirectoryMeta {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  atime?: Date;
  mtime?: Date;
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/**
 * Applies the entries of one layer to the rootfs, synchronously: one thread, few syscalls per
 * file (open O_EXCL|O_NOFOLLOW, write, fchown, fchmod, futimes, close). O_EXCL means an existing
 * path (a symlink, a hardlinked inode) is always removed first and never written through.
 * Whiteouts and opaque markers only hide what lower layers made, never this layer's own entries.
 */
export class LayerApplier {
  private readonly created = new Set<string>();
  private readonly directories: DirectoryMeta[] = [];
  /** Times of lower-layer directories this layer changes, restored at the end as umoci does. */
  private readonly lowerDirTimes = new Map<string, { atime: number; mtime: number } | null>();
  private openFd: number | undefined;
  private failure: unknown;
  entries = 0;

  constructor(
    private readonly paths: RootfsPaths,
    private readonly chown: boolean,
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  get error(): unknown {
    return this.failure;
  }

  fail(error: unknown): void {
    this.failure ??= error;
    this.closeOpenFile();
  }

  /** Handles one parsed entry; its body (if any) arrives through the entry's 'data' events. */
  apply(entry: ReadEntry): void {
    this.entries++;
    if (this.failure !== undefined) {
      entry.resume();
      return;
    }
    try {
      this.dispatch(entry);
    } catch (error) {
      this.fail(error);
      entry.resume();
    }
  }

  /**
   * Directory modes and times go last, so writing their children does not disturb them. Each
   * path is checked to still be a directory: a later entry of the layer may have replaced it by
   * a symlink, and chmod/utimes would follow that link out of the rootfs.
   */
  finish(): void {
    for (const [path, times] of this.lowerDirTimes) {
      if (times && this.isDirectory(path)) utimesSync(path, times.atime, times.mtime);
    }
    for (const dir of this.directories.reverse()) {
      if (!this.isDirectory(dir.path)) continue;
      if (this.chown) lchownSync(dir.path, dir.uid, dir.gid);
      // Without root, a read-only directory (0555) would lock later layers out of it; owners
      // keep rwx there, as umoci does when unpacking rootless.
      chmodSync(dir.path, this.chown ? dir.mode : dir.mode | 0o700);
      if (dir.mtime) utimesSync(dir.path, dir.atime ?? dir.mtime, dir.mtime);
    }
  }

  private isDirectory(path: string): boolean {
    try {
      return lstatSync(path).isDirectory();
    } catch (error) {
      if (errno(error) === 'ENOENT') return false;
      throw error;
    }
  }

  closeOpenFile(): void {
    if (this.openFd !== undefined) {
      const fd = this.openFd;
      this.openFd = undefined;
      try {
        closeSync(fd);
      } catch {
        // already failing; the first error is the one reported
      }
    }
  }

  private dispatch(entry: ReadEntry): void {
    const parts = this.paths.components(entry.path);
    const base = parts[parts.length - 1];
    if (base === undefined) {
      entry.resume(); // the rootfs itself ("./")
      return;
    }
    if (base === OPAQUE_MARKER) {
      this.logger.debug(`${this.what}: opaque directory ${parts.slice(0, -1).join('/') || '/'}`);
      const dir = this.paths.parentOf(parts, false);
      if (dir !== undefined) {
        this.remember(dir);
        this.clearOpaque(dir);
      }
      entry.resume();
      return;
    }
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.logger.debug(`${this.what}: whiteout ${entry.path}`);
      this.whiteout(parts, base.slice(WHITEOUT_PREFIX.length), entry.path);
      entry.resume();
      return;
    }
    const mode = (entry.mode ?? 0o644) & 0o7777;
    switch (entry.type) {
      case 'File':
      case 'OldFile':
      case 'ContiguousFile':
        this.file(entry, `${this.parentDir(parts)}/${base}`, mode);
        return;
      case 'Directory':
        this.directory(entry, `${this.parentDir(parts)}/${base}`, mode);
        entry.resume();
        return;
      case 'SymbolicLink':
        this.symlink(entry, `${this.parentDir(parts)}/${base}`);
        entry.resume();
        return;
      case 'Link':
        this.hardlink(entry, `${this.parentDir(parts)}/${base}`);
        entry.resume();
        return;
      default:
        // Devices cannot be created in a user namespace (the Go resource skips them too); FIFOs
        // and other oddities have no Node API. None of them carry data.
        this.logger.debug(`${this.what}: skipping ${entry.type} entry ${entry.path}`);
        entry.resume();
    }
  }

  private parentDir(parts: readonly string[]): string {
    const dir = this.paths.parentOf(parts, true) as string;
    this.remember(dir);
    return dir;
  }

  /**
   * Adding or removing a child changes a directory's mtime; a layer that has no entry for the
   * directory itself must not, so the times it had before this layer are put back at the end.
   */
  private remember(dir: string): void {
    if (this.lowerDirTimes.has(dir)) return;
    if (this.created.has(dir)) {
      this.lowerDirTimes.set(dir, null);
      return;
    }
    const stat = lstatSync(dir);
    this.lowerDirTimes.set(dir, { atime: stat.atimeMs / 1000, mtime: stat.mtimeMs / 1000 });
  }

  private file(entry: ReadEntry, path: string, mode: number): void {
    const fd = this.openExclusive(path);
    this.openFd = fd;
    this.created.add(path);
    entry.on('data', (chunk: Buffer) => {
      if (this.failure !== undefined) return;
      try {
        let offset = 0;
        while (offset < chunk.length) offset += writeSync(fd, chunk, offset, chunk.length - offset);
      } catch (error) {
        this.fail(error);
      }
    });
    entry.on('end', () => {
      if (this.failure !== undefined) return;
      try {
        if (this.chown) fchownSync(fd, entry.uid ?? 0, entry.gid ?? 0);
        // After chown, which clears setuid/setgid bits.
        fchmodSync(fd, mode);
        if (entry.mtime) futimesSync(fd, entry.atime ?? entry.mtime, entry.mtime);
        this.openFd = undefined;
        closeSync(fd);
      } catch (error) {
        this.fail(error);
      }
    });
  }

  private openExclusive(path: string): number {
    try {
      return openSync(path, CREATE_FILE, 0o600);
    } catch (error) {
      if (errno(error) !== 'EEXIST') throw error;
      this.removeAny(path);
      return openSync(path, CREATE_FILE, 0o600);
    }
  }

  private directory(entry: ReadEntry, path: string, mode: number): void {
    try {
      mkdirSync(path, { mode: 0o755 });
    } catch (error) {
      if (errno(error) !== 'EEXIST') throw error;
      if (!lstatSync(path).isDirectory()) {
        this.removeAny(path);
        mkdirSync(path, { mode: 0o755 });
      }
    }
    this.created.add(path);
    this.directories.push({
      path,
      mode,
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      ...(entry.mtime ? { mtime: entry.mtime } : {}),
      ...(entry.atime ? { atime: entry.atime } : {}),
    });
  }

  private symlink(entry: ReadEntry, path: string): void {
    const target = entry.linkpath ?? '';
    try {
      symlinkSync(target, path);
    } catch (error) {
      if (errno(error) !== 'EEXIST') throw error;
      this.removeAny(path);
      symlinkSync(target, path);
    }
    this.created.add(path);
    if (this.chown) lchownSync(path, entry.uid ?? 0, entry.gid ?? 0);
    if (entry.mtime) lutimesSync(path, entry.atime ?? entry.mtime, entry.mtime);
  }

  private hardlink(entry: ReadEntry, path: string): void {
    const linkpath = entry.linkpath ?? '';
    const targetParts = this.paths.components(linkpath, `hardlink target of "${entry.path}"`);
    const targetBase = targetParts[targetParts.length - 1];
    const targetDir = targetBase === undefined ? undefined : this.paths.parentOf(targetParts, false);
    if (targetBase === undefined || targetDir === undefined) {
      throw new UnsafeContentError(
        `${this.what}: hardlink "${entry.path}" points at "${linkpath}", which does not exist`,
      );
    }
    const target = `${targetDir}/${targetBase}`;
    this.logger.debug(`${this.what}: hardlink ${entry.path} -> ${linkpath}`);
    if (target === path) return;
    try {
      linkSync(target, path);
    } catch (error) {
      if (errno(error) === 'ENOENT') {
        throw new UnsafeContentError(
          `${this.what}: hardlink "${entry.path}" points at "${linkpath}", which does not exist`,
        );
      }
      if (errno(error) !== 'EEXIST') throw error;
      this.removeAny(path);
      linkSync(target, path);
    }
    this.created.add(path);
  }

  private whiteout(parts: readonly string[], name: string, entryName: string): void {
    if (name === '' || name === '.' || name === '..' || name.includes('/')) {
      throw new UnsafeContentError(`${this.what}: invalid whiteout "${entryName}"`);
    }
    const dir = this.paths.parentOf(parts, false);
    if (dir === undefined) return;
    const path = `${dir}/${name}`;
    if (this.created.has(path)) return;
    this.remember(dir);
    this.removeAny(path);
  }

  private clearOpaque(dir: string): void {
    for (const name of readdirSync(dir)) {
      const path = `${dir}/${name}`;
      if (!this.created.has(path)) this.removeAny(path);
    }
  }

  /** Removes a file, link or whole directory; never follows a link. */
  private removeAny(path: string): void {
    let stat;
    try {
      stat = lstatSync(path);
    } catch (error) {
      if (errno(error) === 'ENOENT') return;
      throw error;
    }
    if (stat.isDirectory()) {
      rmSync(path, { recursive: true, force: true });
      this.paths.invalidate();
    } else {
      unlinkSync(path);
      if (stat.isSymbolicLink()) this.paths.invalidate();
    }
  }
}
