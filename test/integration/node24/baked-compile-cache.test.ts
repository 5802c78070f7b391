/**
 * The compile cache `docker/layout.mjs --bake-compile-cache` bakes into /opt/resource under the
 * shipped Node: the same bytes from any build directory, read by a fresh process (what every
 * Concourse check is), and, stale, corrupt, foreign or made for another path or Node, ignored
 * without a word while the check still answers correctly.
 */
import { execFile } from 'node:child_process';
import { appendFile, cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, layerFromFiles, pushImage } from '../support/image-fixtures';
import { runProcess } from '../image/run-process';
import { startRegistry, type RunningRegistry } from '../support/registry-server';
import { REPO_ROOT } from '../support/run-bin';
import { shippedNode } from './node24-runtime';

const exec = promisify(execFile);

let node24: string;
let work: string;
let registry: RunningRegistry;
let request: object;
let expected: unknown;
/** A layout baked for INSTALLED, laid out elsewhere; each test installs a fresh copy. */
let baked: string;
let installed: string;

/** `docker/layout.mjs` under the shipped Node, baking for `installedAt` (default: where it lays out). */
async function layOut(dest: string, installedAt?: string): Promise<string> {
  const bake = installedAt ? `--bake-compile-cache=${installedAt}` : '--bake-compile-cache';
  await exec(node24, [join(REPO_ROOT, 'docker/layout.mjs'), join(REPO_ROOT, 'dist'), dest, bake]);
  return dest;
}

async function cacheFiles(layout: string): Promise<string[]> {
  return (await readdir(join(layout, 'compile-cache'), { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function contents(files: string[]): Promise<Buffer[]> {
  return Promise.all(files.map((f) => readFile(f)));
}

/** A fresh copy of the baked layout where it was baked for (what an image build then ships). */
async function install(change?: (layout: string) => Promise<void>): Promise<string> {
  await rm(installed, { recursive: true, force: true });
  await cp(baked, installed, { recursive: true });
  await change?.(installed);
  return installed;
}

/** check from `layout`, with an empty TMPDIR of its own (where a run-time cache would go). */
async function check(layout: string, options: { node?: string; debug?: boolean } = {}) {
  const tmp = await mkdtemp(join(work, 'tmp-'));
  const node = options.node ?? node24;
  const env: Record<string, string> = { PATH: `${dirname(node)}:/usr/bin:/bin`, TMPDIR: tmp };
  if (options.debug) env.NODE_DEBUG_NATIVE = 'COMPILE_CACHE';
  const r = await runProcess(node, [join(layout, 'check')], { input: request, env });
  return { ...r, tmpEntries: await readdir(tmp) };
}

const accepted = /code cache for ESM \S+\/check\.mjs was accepted/;

beforeAll(async () => {
  ({ node: node24 } = await shippedNode());
  work = await mkdtemp(join(tmpdir(), 'ri-baked-cache-'));
  registry = await startRegistry();
  const image = buildImage({ layers: [layerFromFiles([{ path: 'app/x.txt', content: 'x\n' }])] });
  const digest = await pushImage(registry, 'node24/cache', 'v1', image);
  request = { source: { repository: `${registry.host}/node24/cache`, tag: 'v1' } };
  expected = [{ tag: 'v1', digest }];
  installed = join(work, 'installed/resource');
  baked = await layOut(join(work, 'baked/resource'), installed);
}, 300_000);

afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the baked compile cache', () => {
  it('holds one entry per bundle, the same bytes whichever directory the build lays out in', async () => {
    const a = baked;
    const b = await layOut(join(work, 'build-b/some/deeper/resource'), installed);
    const [filesA, filesB] = [await cacheFiles(a), await cacheFiles(b)];
    expect(filesA).toHaveLength(3);
    expect(filesB.map((f) => f.slice(b.length))).toEqual(filesA.map((f) => f.slice(a.length)));
    expect(await contents(filesB)).toEqual(await contents(filesA));
    // Nothing of the build directory is left in the entries.
    for (const bytes of await contents(filesA)) {
      expect(bytes.includes(Buffer.from(a))).toBe(false);
      expect(bytes.includes(Buffer.from(installed))).toBe(true);
    }
  });

  it('is baked as well into a destination given as a relative path', async () => {
    await exec(
      node24,
      [
        join(REPO_ROOT, 'docker/layout.mjs'),
        join(REPO_ROOT, 'dist'),
        'relative/resource',
        `--bake-compile-cache=${installed}`,
      ],
      {
        cwd: work,
      },
    );
    const files = await cacheFiles(join(work, 'relative/resource'));
    expect(await contents(files)).toEqual(await contents(await cacheFiles(baked)));
  });

  it('is read by the first, fresh process, which answers the check and writes nothing', async () => {
    const layout = await install();
    const before = await contents(await cacheFiles(layout));
    const r = await check(layout, { debug: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual(expected);
    expect(r.stderr).toMatch(accepted);
    expect(await contents(await cacheFiles(layout))).toEqual(before);
    expect(r.tmpEntries).toEqual([]);
  });

  /** The check answers as without a cache, silently; the debug log shows the entry was not used. */
  async function expectIgnored(change: (layout: string) => Promise<void>): Promise<void> {
    const debug = await check(await install(change), { debug: true });
    expect(debug.code, debug.stderr).toBe(0);
    expect(debug.json).toEqual(expected);
    expect(debug.stderr).toMatch(/reading cache from \S+ for ESM \S+\/check\.mjs/);
    expect(debug.stderr).not.toMatch(accepted);
    const quiet = await check(await install(change));
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.json).toEqual(expected);
    expect(quiet.stderr).toBe('');
  }

  it('is ignored silently when its entries are corrupt', async () => {
    await expectIgnored(async (layout) => {
      for (const file of await cacheFiles(layout)) await writeFile(file, 'not a V8 code cache');
    });
  });

  it('is ignored silently when each entry holds another bundle’s code (foreign)', async () => {
    await expectIgnored(async (layout) => {
      const files = await cacheFiles(layout);
      const bytes = await contents(files);
      await Promise.all(files.map((f, i) => writeFile(f, bytes[(i + 1) % files.length] ?? '')));
    });
  });

  it('is ignored when the bundle changed (stale): the changed bundle runs, not the cached code', async () => {
    const layout = await install((dir) =>
      appendFile(join(dir, 'check.mjs'), "\nprocess.stderr.write('bundle changed\\n');\n"),
    );
    const r = await check(layout, { debug: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual(expected);
    expect(r.stderr).toContain('bundle changed');
    expect(r.stderr).not.toMatch(accepted);
  });

  it('is not found when baked for another installed path, and the check runs without it', async () => {
    const layout = await layOut(join(work, 'elsewhere/resource'), '/opt/resource');
    const r = await check(layout, { debug: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual(expected);
    expect(r.stderr).not.toMatch(accepted);
  });

  it('is left alone by another Node (the machine’s Node 20), which runs the layout as before', async () => {
    const layout = await install();
    const before = await contents(await cacheFiles(layout));
    const r = await check(layout, { node: process.execPath });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual(expected);
    expect(r.stderr).toBe('');
    expect(await contents(await cacheFiles(layout))).toEqual(before);
  });
});
