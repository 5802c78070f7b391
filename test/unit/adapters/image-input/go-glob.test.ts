import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goGlob, segmentRegExp } from '../../../../src/adapters/image-input/go-glob';

describe('goGlob (Go filepath.Glob semantics)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'glob-test-'));
    mkdirSync(join(dir, 'build/out'), { recursive: true });
    for (const f of ['image-a.tar', 'image-b.tar', 'image.tar', '.hidden.tar', 'build/out/image.tar'])
      writeFileSync(join(dir, f), '');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['image.tar', ['image.tar']],
    ['image-*.tar', ['image-a.tar', 'image-b.tar']],
    ['imag*.tar', ['image-a.tar', 'image-b.tar', 'image.tar']],
    ['image-?.tar', ['image-a.tar', 'image-b.tar']],
    ['image-[a].tar', ['image-a.tar']],
    ['image-[^a].tar', ['image-b.tar']],
    ['*/out/*.tar', ['build/out/image.tar']],
    ['build/*', ['build/out']],
    ['*.tar', ['.hidden.tar', 'image-a.tar', 'image-b.tar', 'image.tar']],
    ['nomatch.tar', []],
    ['missing/*.tar', []],
  ])('%s', async (pattern, expected) => {
    expect(await goGlob(pattern, dir)).toEqual(expected.map((e) => join(dir, e)));
  });

  it('a star never crosses a slash', () => {
    expect(segmentRegExp('a*').test('ab/c')).toBe(false);
    expect(segmentRegExp('a\\*').test('a*')).toBe(true);
    expect(segmentRegExp('a\\*').test('ab')).toBe(false);
  });
});
