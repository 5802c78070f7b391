/**
 * The image as it ships, end to end: `scripts/image/build.mjs` twice (same digest), pushed by our
 * own bin/out from the OCI layout, fetched back by our own bin/in as a rootfs, read by skopeo and
 * umoci, and then /opt/resource/check, in and out run FROM INSIDE that rootfs (chroot, so the
 * image's own loader, libraries and Node 24 are used; the network is shared, so the real registry
 * on 127.0.0.1 is reachable), as root and as the image's non-root user, with only the environment
 * Concourse gives a resource script: the image config's Env (from the metadata.json `in` wrote),
 * plus the build metadata variables for get and put.
 */
import { execFile } from 'node:child_process';
import { chown, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSampleImage } from '../../../src/main/demo/sample-image';
import { shippedNode } from '../node24/node24-runtime';
import { startRegistry, type RunningRegistry } from '../support/registry-server';
import { REPO_ROOT, runBin } from '../support/run-bin';
import { runProcess } from './run-process';

const exec = promisify(execFile);
const CHROOT = '/usr/sbin/chroot';
const NONROOT = '65532:65532';

interface Version {
  tag?: string;
  digest: string;
}

interface Build {
  dir: string;
  digest: string;
  stdout: string;
}

let work: string;
let registry: RunningRegistry;
let builds: [Build, Build];
let repository: string;
let pushed: Version;
let rootfs: string;
let imageEnv: Record<string, string>;

async function buildImage(out: string): Promise<Build> {
  const { stdout } = await exec(process.execPath, [join(REPO_ROOT, 'scripts/image/build.mjs'), '--out', out], {
    cwd: REPO_ROOT,
    env: { ...process.env, SOURCE_DATE_EPOCH: '0' },
    maxBuffer: 1024 * 1024,
  });
  const lines = stdout.trim().split('\n');
  return { dir: out, digest: lines[lines.length - 1] ?? '', stdout };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ri-image-'));
  // Fetch the parts once, then build twice at the same time (two cores, two gzip streams).
  await exec(process.execPath, [join(REPO_ROOT, 'scripts/image/build.mjs'), '--fetch-only'], { cwd: REPO_ROOT });
  builds = await Promise.all([buildImage(join(work, 'a/image')), buildImage(join(work, 'b/image'))]);
  registry = await startRegistry();
  repository = `${registry.host}/resource/registry-image`;
}, 600_000);

afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function blobJson<T>(layout: string, digest: string): Promise<T> {
  return JSON.parse(await readFile(join(layout, 'blobs/sha256', digest.slice('sha256:'.length)), 'utf8')) as T;
}

interface Manifest {
  config: { digest: string };
  layers: { digest: string; mediaType: string }[];
}
interface Config {
  config: { User: string; Env: string[]; Cmd: string[] };
  rootfs: { diff_ids: string[] };
  created: string;
}

describe('npm run image', () => {
  it('gives the same digest for the same inputs, printed as the last line', async () => {
    const [a, b] = builds;
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.digest).toBe(a.digest);
    expect(await readFile(join(b.dir, 'index.json'), 'utf8')).toBe(await readFile(join(a.dir, 'index.json'), 'utf8'));
    expect((await readdir(join(b.dir, 'blobs/sha256'))).sort()).toEqual(
      (await readdir(join(a.dir, 'blobs/sha256'))).sort(),
    );
  });

  it('is three gzip layers, base, node and resource, run as the non-root user with no timestamps', async () => {
    const layout = builds[0].dir;
    const manifest = await blobJson<Manifest>(layout, builds[0].digest);
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(
      Array(3).fill('application/vnd.oci.image.layer.v1.tar+gzip'),
    );
    const config = await blobJson<Config>(layout, manifest.config.digest);
    expect(config.config.User).toBe(NONROOT);
    expect(config.config.Env).toContain('PATH=/usr/local/bin:/usr/bin:/bin');
    expect(config.created).toBe('1970-01-01T00:00:00Z');
    expect(builds[0].stdout).toMatch(/^layer base: /m);
    expect(builds[0].stdout).toMatch(/^layer node: /m);
    expect(builds[0].stdout).toMatch(/^layer resource: /m);
    expect(builds[0].stdout).toMatch(/^size: \S+ MB compressed .*, \S+ MB unpacked$/m);
  });
});

describe('the image, pushed by bin/out and fetched by bin/in', () => {
  it('is pushed from its OCI layout with the digest the build printed', async () => {
    const layout = builds[0].dir;
    const r = await runBin(
      'out',
      { source: { repository, tag: 'tested' }, params: { image: basename(layout) } },
      { args: [dirname(layout)] },
    );
    expect(r.code, r.stderr).toBe(0);
    pushed = (r.json as { version: Version }).version;
    expect(pushed.digest).toBe(builds[0].digest);
  });

  it('is read by skopeo and umoci', async () => {
    const ref = `docker://${repository}:tested`;
    const inspected = JSON.parse(
      (await exec('skopeo', ['inspect', '--tls-verify=false', ref], { maxBuffer: 4 * 1024 * 1024 })).stdout,
    ) as { Digest: string; Layers: string[]; Os: string; Architecture: string };
    expect(inspected.Digest).toBe(pushed.digest);
    expect(inspected.Layers).toHaveLength(3);
    expect([inspected.Os, inspected.Architecture]).toEqual(['linux', 'amd64']);

    const copy = join(work, 'umoci-layout');
    await exec('skopeo', ['copy', '--src-tls-verify=false', ref, `oci:${copy}:tested`]);
    const bundle = join(work, 'umoci-bundle');
    await exec('umoci', ['unpack', '--image', `${copy}:tested`, bundle]);
    const runtimeConfig = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as {
      process: { user: { uid: number; gid: number }; args: string[] };
    };
    expect(runtimeConfig.process.user).toMatchObject({ uid: 65532, gid: 65532 });
    expect(runtimeConfig.process.args).toEqual(['/opt/resource/check']);
    expect((await stat(join(bundle, 'rootfs/opt/resource/check'))).mode & 0o755).toBe(0o755);
    expect((await stat(join(bundle, 'rootfs/usr/local/bin/node'))).size).toBeGreaterThan(50_000_000);
  });

  it('comes back as a rootfs with its metadata', async () => {
    const dest = join(work, 'get');
    await mkdir(dest);
    const r = await runBin(
      'in',
      { source: { repository }, version: pushed, params: { format: 'rootfs' } },
      {
        args: [dest],
      },
    );
    expect(r.code, r.stderr).toBe(0);
    rootfs = join(dest, 'rootfs');
    const metadata = JSON.parse(await readFile(join(dest, 'metadata.json'), 'utf8')) as { env: string[]; user: string };
    expect(metadata.user).toBe(NONROOT);
    imageEnv = Object.fromEntries(
      metadata.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    expect(imageEnv.PATH).toBe('/usr/local/bin:/usr/bin:/bin');
  });

  it('holds no shell, and exactly the libraries the node binary loads', async () => {
    for (const shell of ['bin/sh', 'bin/bash', 'usr/bin/sh', 'usr/bin/env']) {
      await expect(stat(join(rootfs, shell))).rejects.toThrow();
    }
    // The image's own loader resolves every library inside the image...
    const listed = await exec(CHROOT, [rootfs, '/lib64/ld-linux-x86-64.so.2', '--list', '/usr/local/bin/node'], {
      env: {},
    });
    expect(listed.stdout).not.toMatch(/not found/);
    const inImage = new Set(
      [...listed.stdout.matchAll(/=> (\S+)/g)].map((m) => basename(m[1] ?? '')).filter((n) => n !== ''),
    );
    // ...and they are the ones ldd names for the binary on this machine, no more, no fewer.
    const { node } = await shippedNode();
    const onHost = new Set(
      [...(await exec('ldd', [node])).stdout.matchAll(/=> (\S+)/g)].map((m) => basename(m[1] ?? '')),
    );
    expect([...inImage].sort()).toEqual([...onHost].sort());
    const libDirs = ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu'];
    const shipped = (await Promise.all(libDirs.map((d) => readdir(join(rootfs, d))))).flat();
    expect(shipped.sort()).toEqual([...onHost, 'ld-linux-x86-64.so.2', 'libstdc++.so.6.0.30'].sort());
  });
});

describe('/opt/resource/check, in and out run inside the fetched rootfs', () => {
  const buildMetadata = {
    BUILD_ID: '42',
    BUILD_NAME: '7',
    BUILD_JOB_NAME: 'ship',
    BUILD_PIPELINE_NAME: 'resource',
    BUILD_TEAM_NAME: 'main',
    ATC_EXTERNAL_URL: 'http://127.0.0.1:8080',
  };

  const spec = (user: 'root' | 'nonroot'): string[] => (user === 'root' ? [] : [`--userspec=${NONROOT}`]);

  async function inside(
    user: 'root' | 'nonroot',
    script: 'check' | 'in' | 'out',
    input: object,
    args: string[] = [],
  ): Promise<{ code: number | null; json: unknown; stderr: string }> {
    const env = script === 'check' ? imageEnv : { ...imageEnv, ...buildMetadata };
    return runProcess(CHROOT, [...spec(user), rootfs, `/opt/resource/${script}`, ...args], { input, env });
  }

  for (const user of ['root', 'nonroot'] as const) {
    it(`put, check and get succeed as ${user}`, async () => {
      const base = `/steps-${user}`;
      for (const dir of ['put', 'get']) {
        await mkdir(join(rootfs, base, dir), { recursive: true });
        if (user === 'nonroot') await chown(join(rootfs, base, dir), 65532, 65532);
      }
      if (user === 'nonroot') await chown(join(rootfs, base), 65532, 65532);
      await buildSampleImage(join(rootfs, base, 'put'), { version: '3.1.0', message: `pushed as ${user}` });
      if (user === 'nonroot') await exec('chown', ['-R', NONROOT, join(rootfs, base)]);
      const source = { repository: `${registry.host}/inside/${user}` };

      const put = await inside(user, 'out', { source, params: { image: 'image/image.tar', version: '3.1.0' } }, [
        `${base}/put`,
      ]);
      expect(put.code, put.stderr).toBe(0);
      const version = (put.json as { version: Version }).version;
      expect(version.tag).toBe('3.1.0');

      const check = await inside(user, 'check', { source: { ...source, tag: '3.1.0' } });
      expect(check.code, check.stderr).toBe(0);
      expect(check.json).toEqual([{ tag: '3.1.0', digest: version.digest }]);

      const get = await inside(user, 'in', { source, version, params: {} }, [`${base}/get`]);
      expect(get.code, get.stderr).toBe(0);
      expect(await readFile(join(rootfs, base, 'get/rootfs/app/message.txt'), 'utf8')).toBe(`pushed as ${user}\n`);

      // The image checks its own repository too.
      const self = await inside(user, 'check', { source: { repository, tag: 'tested' } });
      expect(self.code, self.stderr).toBe(0);
      expect(self.json).toEqual([{ tag: 'tested', digest: pushed.digest }]);

      // The wrappers read the compile cache baked into /opt/resource: the very first check of
      // this fresh rootfs starts warm, as this user, and nothing is written to /tmp.
      const warm = await runProcess(CHROOT, [...spec(user), rootfs, '/opt/resource/check'], {
        input: { source: { ...source, tag: '3.1.0' } },
        env: { ...imageEnv, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' },
      });
      expect(warm.json).toEqual([{ tag: '3.1.0', digest: version.digest }]);
      expect(warm.stderr).toMatch(/code cache for ESM file:\/\/\/opt\/resource\/check\.mjs was accepted/);
      expect(await readdir(join(rootfs, 'tmp'))).toEqual([]);
    });
  }

  it('fails a bad request with one line on stderr, and runs Node 24', async () => {
    const bad = await inside('nonroot', 'check', { source: {} });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const version = await runProcess(CHROOT, [rootfs, '/usr/local/bin/node', '--version'], { env: imageEnv });
    expect(version.stdout.trim()).toMatch(/^v24\./);
  });
});
