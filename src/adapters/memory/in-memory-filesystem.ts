import { dirname, join, normalize } from 'node:path';
import { injectable } from 'inversify';
import { FilesystemError, type FilesystemPort } from '../../ports/filesystem-port';
import { goGlob, type GlobTree } from '../filesystem/go-glob';

/**
 * FilesystemPort over a map of absolute paths, for unit tests: the same Go glob as on disk, and
 * the disk's refusals (no file in a missing directory, no reading a missing file), so a use case
 * that forgets to create its directory fails here too.
 */
@injectable()
export class InMemoryFilesystem implements FilesystemPort {
  private readonly files = new Map<string, string>();
  private readonly directories = new Set<string>(['/']);
  private readonly tree: GlobTree = {
    exists: async (path) => this.has(normalize(path)),
    list: async (dir) => (this.directories.has(normalize(dir)) ? this.childrenOf(normalize(dir)) : undefined),
  };

  /** Test setup: a file and every directory above it. */
  put(path: string, content: string): this {
    this.addDirectories(dirname(normalize(path)));
    this.files.set(normalize(path), content);
    return this;
  }

  /** A file's content, or undefined when there is none. */
  text(path: string): string | undefined {
    return this.files.get(normalize(path));
  }

  /** The sorted names directly inside `dir`. */
  entries(dir: string): string[] {
    return this.childrenOf(normalize(dir)).sort();
  }

  async makeDirectory(path: string): Promise<void> {
    const at = normalize(path);
    if (this.files.has(at)) throw new FilesystemError(`cannot create directory "${path}": a file is in the way`);
    this.addDirectories(at);
  }

  async writeFile(path: string, content: string): Promise<void> {
    const at = normalize(path);
    if (!this.directories.has(dirname(at))) {
      throw new FilesystemError(`failed to write file at "${path}": no such directory ${dirname(at)}`);
    }
    if (this.directories.has(at)) throw new FilesystemError(`failed to write file at "${path}": is a directory`);
    this.files.set(at, content);
  }

  async readText(path: string): Promise<string> {
    const content = this.files.get(normalize(path));
    if (content === undefined) throw new FilesystemError(`failed to read file at "${path}": no such file`);
    return content;
  }

  glob(pattern: string, dir: string): Promise<string[]> {
    return goGlob(pattern, dir, this.tree);
  }

  private has(path: string): boolean {
    return this.files.has(path) || this.directories.has(path);
  }

  private addDirectories(path: string): void {
    for (let at = path; !this.directories.has(at); at = dirname(at)) this.directories.add(at);
  }

  private childrenOf(dir: string): string[] {
    const names: string[] = [];
    for (const path of [...this.directories, ...this.files.keys()]) {
      if (path !== dir && dirname(path) === dir) names.push(path.slice(join(dir, '/').length));
    }
    return names;
  }
}
