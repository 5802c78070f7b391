import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexTar } from '../../../../src/adapters/image-input/tar-index';
import { writeTar } from '../../../integration/support/tar-writer';

describe('indexTar', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tar-index-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('locates members, PAX long names and links without reading contents', async () => {
    const long = `blobs/${'d'.repeat(150)}/data`;
    const path = join(dir, 'a.tar');
    writeFileSync(
      path,
      writeTar([
        { path: './index.json', content: '{"x":1}' },
        { path: 'blobs', type: 'dir' },
        { path: long, content: 'long-name-bytes' },
        { path: 'empty', content: '' },
        { path: 'layer/layer.tar', type: 'symlink', linkname: '../index.json' },
        { path: 'hard', type: 'link', linkname: 'index.json' },
      ]),
    );
    const entries = await indexTar(path);
    const bytes = readFileSync(path);
    const text = (name: string): string => {
      const e = entries.get(name);
      if (!e) throw new Error(`no ${name}`);
      return bytes.subarray(e.offset, e.offset + e.size).toString();
    };
    expect(text('index.json')).toBe('{"x":1}');
    expect(text(long)).toBe('long-name-bytes');
    expect(text('empty')).toBe('');
    expect(text('layer/layer.tar')).toBe('{"x":1}');
    expect(text('hard')).toBe('{"x":1}');
    expect(entries.has('blobs')).toBe(false);
  });

  it('rejects a header with a bad checksum', async () => {
    const tar = writeTar([{ path: 'a', content: 'b' }]);
    tar[0] = 'z'.charCodeAt(0);
    const path = join(dir, 'bad.tar');
    writeFileSync(path, tar);
    await expect(indexTar(path)).rejects.toThrow('bad header checksum at byte 0');
  });
});
