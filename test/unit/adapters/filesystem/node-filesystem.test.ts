import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFilesystem } from '../../../../src/adapters/filesystem/node-filesystem';
import { FilesystemError } from '../../../../src/ports/filesystem-port';

describe('NodeFilesystem', () => {
  let dir: string;
  const files = new NodeFilesystem();
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'node-filesystem-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a directory with its parents, and again without complaint', async () => {
    await files.makeDirectory(join(dir, 'a/b/c'));
    await files.makeDirectory(join(dir, 'a/b/c'));
    expect(statSync(join(dir, 'a/b/c')).isDirectory()).toBe(true);
  });

  it('writes a file whole, replacing what an earlier attempt left, and reads it back', async () => {
    const path = join(dir, 'digest');
    writeFileSync(path, 'sha256:an-older-and-longer-value');
    await files.writeFile(path, 'sha256:new');
    expect(readFileSync(path, 'utf8')).toBe('sha256:new');
    expect(await files.readText(path)).toBe('sha256:new');
  });

  it('reports a missing file by path as a FilesystemError', async () => {
    const path = join(dir, 'nope');
    const failure = files.readText(path);
    await expect(failure).rejects.toBeInstanceOf(FilesystemError);
    await expect(failure).rejects.toThrow(`failed to read file at "${path}": ENOENT`);
  });

  it('reports a write into a missing directory, and a directory where a file is, by path', async () => {
    const write = files.writeFile(join(dir, 'missing/tag'), 'x');
    await expect(write).rejects.toBeInstanceOf(FilesystemError);
    await expect(write).rejects.toThrow(`failed to write file at "${join(dir, 'missing/tag')}": ENOENT`);
    writeFileSync(join(dir, 'plain'), '');
    await expect(files.makeDirectory(join(dir, 'plain/sub'))).rejects.toBeInstanceOf(FilesystemError);
    await expect(files.makeDirectory(join(dir, 'plain/sub'))).rejects.toThrow(
      `cannot create directory "${join(dir, 'plain/sub')}"`,
    );
  });
});
