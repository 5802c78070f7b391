import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segmentRegExp } from '../../../../src/adapters/filesystem/go-glob';
import { NodeFilesystem } from '../../../../src/adapters/filesystem/node-filesystem';
import { InMemoryFilesystem } from '../../../../src/adapters/memory/in-memory-filesystem';
import type { FilesystemPort } from '../../../../src/ports/filesystem-port';

const FILES = ['image-a.tar', 'image-b.tar', 'image.tar', '.hidden.tar', 'build/out/image.tar'];

const CASES: [string, string[]][] = [
  ['image.tar', ['image.tar']],
  ['image-*.tar', ['image-a.tar', 'image-b.tar']],
  ['imag*.tar', ['image-a.tar', 'image-b.tar', 'image.tar']],
  ['image-?.tar', ['image-a.tar', 'image-b.tar']],
  ['image-[a].tar', ['image-a.tar']],
  ['image-[^a].tar', ['image-b.tar']],
  ['*/out/*.tar', ['build/out/image.tar']],
  ['build/*', ['build/out']],
  ['*.tar', ['.hidden.tar', 'image-a.tar', 'image-b.tar', 'image.tar']],
  ['/image.tar', ['image.tar']],
  ['image.tar/*', []],
  ['nomatch.tar', []],
  ['missing/*.tar', []],
];

describe('glob (Go filepath.Glob semantics) on disk and in memory alike', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'glob-test-'));
    mkdirSync(join(dir, 'build/out'), { recursive: true });
    for (const f of FILES) writeFileSync(join(dir, f), '');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const memory = (): FilesystemPort => {
    const files = new InMemoryFilesystem();
    for (const f of FILES) files.put(join(dir, f), '');
    return files;
  };

  describe.each([
    ['NodeFilesystem', () => new NodeFilesystem()],
    ['InMemoryFilesystem', memory],
  ])('%s', (_name, filesystem) => {
    it.each(CASES)('%s', async (pattern, expected) => {
      expect(await filesystem().glob(pattern, dir)).toEqual(expected.map((e) => join(dir, e)));
    });
  });

  it('a star never crosses a slash', () => {
    expect(segmentRegExp('a*').test('ab/c')).toBe(false);
    expect(segmentRegExp('a\\*').test('a*')).toBe(true);
    expect(segmentRegExp('a\\*').test('ab')).toBe(false);
  });
});
