import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { create as createTar } from 'tar';

export interface SampleImage {
  /** A `docker save`-format tarball (manifest.json + config + gzip layer), what `out` takes as `image`. */
  readonly tarball: string;
  readonly configDigest: string;
  readonly layerDigest: string;
  /** The files of the single layer, as paths relative to the root. */
  readonly files: readonly string[];
}

export interface SampleImageOptions {
  readonly version: string;
  readonly message: string;
}

// Fixed timestamps keep the sample byte-for-byte reproducible (same inputs, same digests).
const EPOCH = new Date('2024-01-01T00:00:00Z');

/** Go's GOARCH names for the architectures Node reports. */
function goArch(): string {
  return (
    (
      { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', s390x: 's390x', ppc64: 'ppc64le' } as Record<
        string,
        string
      >
    )[process.arch] ?? process.arch
  );
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return `sha256:${hash.digest('hex')}`;
}

async function writeRootfs(root: string, options: SampleImageOptions): Promise<string[]> {
  const files: [string, string, number][] = [
    ['etc/os-release', 'NAME="registry-image demo"\nID=demo\n', 0o644],
    ['app/VERSION', `${options.version}\n`, 0o644],
    ['app/message.txt', `${options.message}\n`, 0o644],
    ['app/bin/hello', `#!/bin/sh\ncat /app/message.txt\n`, 0o755],
  ];
  for (const [path, content, mode] of files) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
    await chmod(join(root, path), mode);
  }
  await mkdir(join(root, 'usr/local/bin'), { recursive: true });
  await symlink('../../../app/bin/hello', join(root, 'usr/local/bin/hello'));
  await mkdir(join(root, 'tmp'), { recursive: true });
  await chmod(join(root, 'tmp'), 0o1777);
  for (const dir of ['etc', 'app', 'app/bin', 'usr', 'usr/local', 'usr/local/bin', 'tmp'])
    await utimes(join(root, dir), EPOCH, EPOCH);
  return [...files.map(([p]) => p), 'usr/local/bin/hello', 'tmp/'];
}

/**
 * Builds a one-layer image in `workDir` and returns the tarball path. Everything streams through
 * files, so the same code would handle a big layer without holding it in memory.
 */
export async function buildSampleImage(workDir: string, options: SampleImageOptions): Promise<SampleImage> {
  const staging = await mkdtemp(join(workDir, 'sample-'));
  try {
    const root = join(staging, 'rootfs');
    await mkdir(root);
    const files = await writeRootfs(root, options);

    const layerTar = join(staging, 'layer.tar');
    // Not `portable`: node-tar's portable mode clears group/other write bits, which would turn /tmp's 1777 into 1755.
    await createTar({ file: layerTar, cwd: root, mtime: EPOCH, noDirRecurse: false }, ['etc', 'app', 'usr', 'tmp']);
    const diffId = await sha256File(layerTar);
    const archive = join(staging, 'archive');
    await mkdir(archive);
    const layerGz = join(staging, 'layer.tar.gz');
    await pipeline(createReadStream(layerTar), createGzip({ level: 6 }), createWriteStream(layerGz));
    const layerDigest = await sha256File(layerGz);
    const layerName = `${layerDigest.slice(7)}.tar.gz`;
    await pipeline(createReadStream(layerGz), createWriteStream(join(archive, layerName)));

    const config = {
      created: EPOCH.toISOString(),
      architecture: goArch(),
      os: 'linux',
      config: {
        Env: ['PATH=/usr/local/bin:/usr/bin:/bin'],
        Cmd: ['/usr/local/bin/hello'],
        WorkingDir: '/app',
        Labels: { 'org.opencontainers.image.version': options.version, 'org.opencontainers.image.title': 'demo' },
      },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: EPOCH.toISOString(), created_by: 'registry-image demo sample builder' }],
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    const configDigest = `sha256:${createHash('sha256').update(configBytes).digest('hex')}`;
    const configName = `${configDigest.slice(7)}.json`;
    await writeFile(join(archive, configName), configBytes);
    await writeFile(
      join(archive, 'manifest.json'),
      JSON.stringify([{ Config: configName, RepoTags: [`demo:${options.version}`], Layers: [layerName] }]),
    );

    const outDir = join(workDir, 'image');
    await mkdir(outDir, { recursive: true });
    const tarball = join(outDir, 'image.tar');
    await createTar({ file: tarball, cwd: archive, portable: true, mtime: EPOCH }, [
      'manifest.json',
      configName,
      layerName,
    ]);
    await stat(tarball);
    return { tarball, configDigest, layerDigest, files };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
