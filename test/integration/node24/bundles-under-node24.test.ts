/**
 * The built bundles under the Node version the image ships (not the machine's Node 20): bin/out,
 * bin/check and bin/in against the real docker-registry, and the wrappers' compile cache, which
 * only Node >= 22.1 has, on both runtimes.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSampleImage } from '../../../src/main/demo/sample-image';
import { buildImage, layerFromFiles, pushImage } from '../support/image-fixtures';
import { runProcess } from '../image/run-process';
import { startRegistry, type RunningRegistry } from '../support/registry-server';
import { REPO_ROOT } from '../support/run-bin';
import { shippedNode } from './node24-runtime';

let node24: string;
let version: string;
let work: string;
let registry: RunningRegistry;

beforeAll(async () => {
  ({ node: node24, version } = await shippedNode());
  work = await mkdtemp(join(tmpdir(), 'ri-node24-'));
  registry = await startRegistry();
}, 300_000);

afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function env(node: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: `${dirname(node)}:/usr/bin:/bin`, TMPDIR: work, ...extra };
}

function step(node: string, name: 'check' | 'in' | 'out', input: object, args: string[] = [], extra = {}) {
  return runProcess(node, [join(REPO_ROOT, 'bin', name), ...args], { input, env: env(node, extra) });
}

describe('the bundles under the shipped Node', () => {
  it('is Node 24 LTS, not the machine Node', () => {
    expect(version).toMatch(/^v24\./);
    expect(version).not.toBe(process.version);
  });

  it('pushes, checks and fetches against the real registry', async () => {
    const put = join(work, 'put');
    await mkdir(put, { recursive: true });
    await buildSampleImage(put, { version: '2.4.0', message: 'under node 24' });
    const source = { repository: `${registry.host}/node24/app` };

    const pushed = await step(node24, 'out', { source, params: { image: 'image/image.tar', version: '2.4.0' } }, [put]);
    expect(pushed.code, pushed.stderr).toBe(0);
    const { version: pushedVersion } = pushed.json as { version: { tag: string; digest: string } };
    expect(pushedVersion.tag).toBe('2.4.0');

    const checked = await step(node24, 'check', { source: { ...source, tag: '2.4.0' } });
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.json).toEqual([{ tag: '2.4.0', digest: pushedVersion.digest }]);

    const dest = join(work, 'get');
    await mkdir(dest);
    const fetched = await step(node24, 'in', { source, version: pushedVersion, params: {} }, [dest]);
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(await readFile(join(dest, 'rootfs/app/message.txt'), 'utf8')).toBe('under node 24\n');
    expect((await readFile(join(dest, 'digest'), 'utf8')).trim()).toBe(pushedVersion.digest);
  });
});

describe('zstd layers: libzstd under the shipped Node, fzstd under Node 20', () => {
  it('unpacks the same zstd layer with each runtime’s decoder', async () => {
    const layer = layerFromFiles([{ path: 'app/zstd.txt', content: 'decoded\n' }], { compression: 'zstd' });
    const digest = await pushImage(registry, 'node24/zstd', 'v1', buildImage({ layers: [layer] }));
    const source = { repository: `${registry.host}/node24/zstd`, debug: true };
    for (const [node, decoder] of [
      [node24, 'libzstd'],
      [process.execPath, 'fzstd'],
    ] as const) {
      const dest = await mkdtemp(join(work, `zstd-${decoder}-`));
      const fetched = await step(node, 'in', { source, version: { tag: 'v1', digest }, params: {} }, [dest]);
      expect(fetched.code, fetched.stderr).toBe(0);
      expect(fetched.stderr).toContain(`layer 1/1 (${layer.digest}): zstd tar (${decoder})`);
      expect(await readFile(join(dest, 'rootfs/app/zstd.txt'), 'utf8')).toBe('decoded\n');
    }
  });
});

describe('the wrappers’ compile cache', () => {
  const bad = { source: {} };
  const expectedError = 'check: source.repository is required';

  /** A private copy of bin/check and dist/check.mjs, so a test may change the bundle. */
  async function privateCheck(): Promise<{ script: string; bundle: string }> {
    const root = await mkdtemp(join(work, 'tree-'));
    await mkdir(join(root, 'bin'));
    await mkdir(join(root, 'dist'));
    await cp(join(REPO_ROOT, 'bin/check'), join(root, 'bin/check'));
    await cp(join(REPO_ROOT, 'dist/check.mjs'), join(root, 'dist/check.mjs'));
    await writeFile(join(root, 'package.json'), '{"type":"module"}\n');
    return { script: join(root, 'bin/check'), bundle: join(root, 'dist/check.mjs') };
  }

  async function cacheFiles(dir: string): Promise<string[]> {
    return (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  }

  /** Runs the copy with its own TMPDIR; the wrapper's cache then lives in TMPDIR/node-compile-cache. */
  function run(node: string, script: string, tmp: string, extra: Record<string, string> = {}) {
    return runProcess(node, [script], { input: bad, env: env(node, { TMPDIR: tmp, ...extra }) });
  }

  async function freshTmp(): Promise<{ tmp: string; cache: string }> {
    const tmp = await mkdtemp(join(work, 'tmp-'));
    return { tmp, cache: join(tmp, 'node-compile-cache') };
  }

  it('is turned on by the wrapper under Node 24, written, then used', async () => {
    const { script } = await privateCheck();
    const { tmp, cache } = await freshTmp();
    const first = await run(node24, script, tmp);
    expect(first.code).toBe(1);
    expect(first.stderr.trim()).toBe(expectedError);
    expect((await cacheFiles(cache)).length).toBeGreaterThan(0);

    const second = await run(node24, script, tmp, { NODE_DEBUG_NATIVE: 'COMPILE_CACHE' });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/code cache for ESM \S+\/dist\/check\.mjs was accepted/);
    expect(second.stderr).toContain(expectedError);
  });

  it('is absent on Node 20, which runs the bundle as before', async () => {
    const { script } = await privateCheck();
    const { tmp } = await freshTmp();
    const r = await run(process.execPath, script, tmp);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(expectedError);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('is off with NODE_DISABLE_COMPILE_CACHE=1', async () => {
    const { script } = await privateCheck();
    const { tmp } = await freshTmp();
    const r = await run(node24, script, tmp, { NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(expectedError);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('falls back silently on a stale cache: the changed bundle runs, not the cached code', async () => {
    const { script, bundle } = await privateCheck();
    const { tmp } = await freshTmp();
    expect((await run(node24, script, tmp)).code).toBe(1);
    await appendFile(bundle, "\nprocess.stderr.write('bundle changed\\n');\n");
    const r = await run(node24, script, tmp);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bundle changed');
    expect(r.stderr).toContain(expectedError);
  });

  it('falls back silently on a corrupt cache, and on a cache path that is not a directory', async () => {
    const { script } = await privateCheck();
    const { tmp, cache } = await freshTmp();
    expect((await run(node24, script, tmp)).code).toBe(1);
    for (const file of await cacheFiles(cache)) await writeFile(file, 'not a V8 code cache');
    const corrupt = await run(node24, script, tmp, { NODE_DEBUG_NATIVE: 'COMPILE_CACHE' });
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).not.toMatch(/was accepted/);
    expect(corrupt.stderr).toContain(expectedError);
    // ...and the unusable entries were written anew.
    for (const file of await cacheFiles(cache)) expect(await readFile(file, 'utf8')).not.toBe('not a V8 code cache');

    const other = await freshTmp();
    await writeFile(other.cache, 'a file where the cache directory would be');
    const blocked = await run(node24, script, other.tmp);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr.trim()).toBe(expectedError);
  });
});
