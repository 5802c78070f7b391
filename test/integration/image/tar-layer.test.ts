/**
 * scripts/image/tar-layer.mjs, read back by GNU tar: the same entries give the same bytes, the
 * headers carry no owner, time or order of the machine, and names too long for ustar survive.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/run-bin';

const exec = promisify(execFile);
const LONG_DIR = `opt/resource/node_modules/${'a'.repeat(120)}/${'b'.repeat(130)}`;
const LONG_LINK = `/${'t'.repeat(150)}`;

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ri-tar-layer-'));
  await writeFile(join(work, 'source.bin'), Buffer.alloc(1500, 7));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Writes a layer (entries in the given order) with the real module; returns its digests. */
async function layer(file: string, reversed: boolean): Promise<{ digest: string; diffId: string }> {
  const entries = [
    { path: 'etc/passwd', type: 'file', content: 'root:x:0:0::/root:/sbin/nologin\n' },
    { path: 'usr/local/bin/tool', type: 'file', source: join(work, 'source.bin'), mode: 0o755 },
    { path: `${LONG_DIR}/index.js`, type: 'file', content: 'export {};\n' },
    { path: 'lib/link', type: 'symlink', target: LONG_LINK },
    { path: 'tmp', type: 'dir', mode: 0o1777 },
  ];
  const script = `
    import { writeLayer } from ${JSON.stringify(join(REPO_ROOT, 'scripts/image/tar-layer.mjs'))};
    const r = await writeLayer(${JSON.stringify(reversed ? entries.reverse() : entries)}, ${JSON.stringify(file)}, { mtime: 0 });
    process.stdout.write(JSON.stringify({ digest: r.digest, diffId: r.diffId }));`;
  const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout) as { digest: string; diffId: string };
}

describe('the image layer writer', () => {
  it('gives the same bytes for the same entries in any order', async () => {
    const a = await layer(join(work, 'a.tar.gz'), false);
    const b = await layer(join(work, 'b.tar.gz'), true);
    expect(b).toEqual(a);
    expect(await readFile(join(work, 'b.tar.gz'))).toEqual(await readFile(join(work, 'a.tar.gz')));
  });

  it('writes sorted entries with parents, uid/gid 0, mtime 0, and long names GNU tar reads back', async () => {
    const { stdout } = await exec('tar', ['--numeric-owner', '--full-time', '-tvzf', join(work, 'a.tar.gz')]);
    const rows = stdout.trim().split('\n');
    const names = rows.map((r) =>
      r
        .split(/\s+/)
        .slice(5)
        .join(' ')
        .replace(/ -> .*/, ''),
    );
    expect(names).toEqual([...names].sort());
    expect(names).toContain(`${LONG_DIR}/index.js`);
    expect(names).toContain('opt/');
    for (const row of rows) expect(row).toMatch(/^\S+ 0\/0\s+\d+ 1970-01-01 00:00:00 /);
    expect(rows.find((r) => r.endsWith(' tmp/'))).toMatch(/^drwxrwxrwt /);
    expect(rows.find((r) => r.includes('usr/local/bin/tool'))).toMatch(/^-rwxr-xr-x 0\/0\s+1500 /);

    const out = join(work, 'x');
    await exec('mkdir', [out]);
    await exec('tar', ['-xzf', join(work, 'a.tar.gz'), '-C', out]);
    expect(await readFile(join(out, LONG_DIR, 'index.js'), 'utf8')).toBe('export {};\n');
    expect(await readlink(join(out, 'lib/link'))).toBe(LONG_LINK);
    expect(await readFile(join(out, 'usr/local/bin/tool'))).toEqual(Buffer.alloc(1500, 7));
  });
});
