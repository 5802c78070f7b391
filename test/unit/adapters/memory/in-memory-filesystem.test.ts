import { describe, expect, it } from 'vitest';
import { InMemoryFilesystem } from '../../../../src/adapters/memory/in-memory-filesystem';
import { FilesystemError } from '../../../../src/ports/filesystem-port';

describe('InMemoryFilesystem refuses what a disk refuses', () => {
  it('writes only into a directory that exists, and lists what it holds', async () => {
    const files = new InMemoryFilesystem();
    await expect(files.writeFile('/dest/tag', 'x')).rejects.toBeInstanceOf(FilesystemError);
    await files.makeDirectory('/dest');
    await files.writeFile('/dest/tag', 'x');
    await files.writeFile('/dest/tag', 'y');
    await files.makeDirectory('/dest/sub');
    expect(files.text('/dest/tag')).toBe('y');
    expect(files.entries('/dest')).toEqual(['sub', 'tag']);
    await expect(files.writeFile('/dest/sub', 'z')).rejects.toThrow(
      'failed to write file at "/dest/sub": is a directory',
    );
    await expect(files.makeDirectory('/dest/tag')).rejects.toThrow('cannot create directory "/dest/tag"');
  });

  it('reads what was put, and names a missing file', async () => {
    const files = new InMemoryFilesystem().put('/src/ci/tags', 'a b');
    expect(await files.readText('/src/ci/tags')).toBe('a b');
    expect(await files.glob('ci/*', '/src')).toEqual(['/src/ci/tags']);
    await expect(files.readText('/src/nope')).rejects.toThrow(
      new FilesystemError('failed to read file at "/src/nope": no such file'),
    );
  });
});
