import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { injectable } from 'inversify';
import { FilesystemError, type FilesystemPort } from '../../ports/filesystem-port';
import { goGlob, type GlobTree } from './go-glob';

const disk: GlobTree = {
  async exists(path) {
    try {
      await lstat(path);
      return true;
    } catch {
      return false;
    }
  },
  async list(dir) {
    try {
      return await readdir(dir);
    } catch {
      return undefined;
    }
  },
};

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The step's directory on the local disk. */
@injectable()
export class NodeFilesystem implements FilesystemPort {
  async makeDirectory(path: string): Promise<void> {
    try {
      await mkdir(path, { recursive: true });
    } catch (error) {
      throw new FilesystemError(`cannot create directory "${path}": ${reason(error)}`, { cause: error });
    }
  }

  async writeFile(path: string, content: string): Promise<void> {
    try {
      await writeFile(path, content);
    } catch (error) {
      throw new FilesystemError(`failed to write file at "${path}": ${reason(error)}`, { cause: error });
    }
  }

  async readText(path: string): Promise<string> {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      throw new FilesystemError(`failed to read file at "${path}": ${reason(error)}`, { cause: error });
    }
  }

  glob(pattern: string, dir: string): Promise<string[]> {
    return goGlob(pattern, dir, disk);
  }
}
