import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A `tree`-like listing of `dir` (sorted, depth-first), with modes, sizes and symlink targets,
 * cut after `limit` lines so a big rootfs cannot flood the terminal.
 */
export async function fileTree(dir: string, limit = 60): Promise<string[]> {
  const lines: string[] = [];
  let omitted = 0;
  const walk = async (path: string, prefix: string): Promise<void> => {
    const names = (await readdir(path)).sort();
    for (const [i, name] of names.entries()) {
      const full = join(path, name);
      const info = await lstat(full);
      const last = i === names.length - 1;
      if (lines.length >= limit) {
        omitted++;
      } else {
        const mode = (info.mode & 0o7777).toString(8).padStart(4, '0');
        const what = info.isSymbolicLink()
          ? ` -> ${await readlink(full)}`
          : info.isDirectory()
            ? '/'
            : ` (${info.size} B)`;
        lines.push(`${prefix}${last ? '└── ' : '├── '}${name}${what}  ${mode}`);
      }
      if (info.isDirectory()) await walk(full, `${prefix}${last ? '    ' : '│   '}`);
    }
  };
  await walk(dir, '');
  if (omitted > 0) lines.push(`… ${omitted} more entries`);
  return lines;
}
