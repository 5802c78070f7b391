// The Debian bookworm packages the image takes its C/C++ runtime and CA certificates from, as
// distroless images do: fetched with `apt-get download` (exact versions, checked against the
// pinned sha256), unpacked with `dpkg-deb -x`, never installed. Only the files the image needs are
// taken from them (see image-layers.mjs).
//
//   ensureDebianPackages() → { [name]: { version, dir } }   dir: the unpacked package tree
//
// A pinned version that the archive no longer serves (Debian drops superseded versions at point
// releases) fails the build with a message naming this file: bump the pin and its sha256.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { CACHE_DIR } from './node-runtime.mjs';

const exec = promisify(execFile);

export const DEBIAN_PACKAGES = [
  {
    name: 'libc6',
    version: '2.36-9+deb12u14',
    arch: 'amd64',
    sha256: 'ba4f88f73dbc3ae9055f3c20f4523bfdbaf1ad13ff95e258924f77d20b4fbedf',
  },
  {
    name: 'libgcc-s1',
    version: '12.2.0-14+deb12u1',
    arch: 'amd64',
    sha256: '3016e62cb4b7cd8038822870601f5ed131befe942774d0f745622cc77d8a88f7',
  },
  {
    name: 'libstdc++6',
    version: '12.2.0-14+deb12u1',
    arch: 'amd64',
    sha256: '5cd3171216d4ab0fc911cfe9c35509bf2dd8f47761c43b7f6a4296701551a24d',
  },
  {
    // libgcc-s1's and libstdc++6's copyright file lives here.
    name: 'gcc-12-base',
    version: '12.2.0-14+deb12u1',
    arch: 'amd64',
    sha256: '1896a2aacf4ad681ff5eacc24a5b0ca4d5d9c9b9c9e4b6de5197bc1e116ea619',
  },
  {
    name: 'ca-certificates',
    version: '20250419~deb12u2',
    arch: 'all',
    sha256: 'b9f76b5271a7ac373fd5e7e1b5b826a71ddd702b42a0d104955ecb1acfffc94b',
  },
];

async function sha256Of(file) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

function lastLine(error) {
  return String(error.stderr || error.message)
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('W: '))
    .pop();
}

async function ensurePackage(pkg, debDir, treeRoot) {
  const id = `${pkg.name}_${pkg.version}_${pkg.arch}`;
  const tree = join(treeRoot, id);
  if (existsSync(join(tree, '.complete'))) return { version: pkg.version, dir: tree };

  const deb = join(debDir, `${id}.deb`);
  if (!existsSync(deb) || (await sha256Of(deb)) !== pkg.sha256) {
    const work = await mkdtemp(join(debDir, '.dl-'));
    try {
      try {
        await exec('apt-get', ['download', '-q', `${pkg.name}=${pkg.version}`], { cwd: work });
      } catch (error) {
        throw new Error(
          `debian packages: apt-get download ${pkg.name}=${pkg.version} failed (${lastLine(error)}); ` +
            'run `apt-get update` first, or bump the pin in scripts/image/debian-packages.mjs',
        );
      }
      const fetched = join(work, `${id}.deb`.replace(/:/g, '%3a'));
      const sum = await sha256Of(fetched);
      if (sum !== pkg.sha256) {
        throw new Error(`debian packages: ${id}.deb has sha256 ${sum}, pinned ${pkg.sha256}`);
      }
      await rename(fetched, deb);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  const work = await mkdtemp(join(treeRoot, '.x-'));
  try {
    await exec('dpkg-deb', ['-x', deb, work]);
    await writeFile(join(work, '.complete'), `${id}\n`);
    try {
      await rename(work, tree);
    } catch (error) {
      if (!existsSync(join(tree, '.complete'))) throw error;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { version: pkg.version, dir: tree };
}

export async function ensureDebianPackages() {
  const debDir = join(CACHE_DIR, 'debs');
  const treeRoot = join(CACHE_DIR, 'debian');
  await mkdir(debDir, { recursive: true });
  await mkdir(treeRoot, { recursive: true });
  const result = {};
  for (const pkg of DEBIAN_PACKAGES) result[pkg.name] = await ensurePackage(pkg, debDir, treeRoot);
  return result;
}
