// What in-bench and out-bench share: where they work, a timed process runner, a throwaway
// docker-registry, and the pieces that write OCI layouts (tar headers, blobs, config + manifest).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// tmpfs keeps disk speed out of the timings; /tmp only where there is no /dev/shm.
export const BENCH_ROOT = existsSync('/dev/shm') ? '/dev/shm/registry-image-bench' : '/tmp/registry-image-bench';

export const sha256 = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const secondsSince = (started) => (performance.now() - started) / 1000;

/** `--runs N` from a command line, or the default. */
export function runsArg(argv, fallback = 3) {
  const i = argv.indexOf('--runs');
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

/** Runs a process to completion, feeding it `input`; rejects on a non-zero exit with the tail of its stderr. */
export function timed(cmd, args, input) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.stdin.end(input ?? '');
    child.once('exit', (code) => {
      const seconds = secondsSince(started);
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${err.slice(-800)}`));
      else resolve({ seconds, out, err });
    });
  });
}

/**
 * A docker-registry on a free loopback port with filesystem storage under `dir` (emptied first,
 * removed on stop). It reports its port at info level (`listening on …`); the access log stays off.
 */
export async function startRegistry(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:0\n  secret: bench\n`,
  );
  const child = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const host = await new Promise((resolve, reject) => {
    let log = '';
    const onData = (b) => {
      log += b.toString();
      const m = /listening on (127\.0\.0\.1:\d+)/.exec(log);
      if (m) resolve(m[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`docker-registry exited (${code}): ${log.slice(-500)}`)));
  });
  return {
    host,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A ustar header; type '0' file, '1' hardlink, '2' symlink, '5' directory. */
export function tarHeader(name, size, type = '0', linkname = '', mode = 0o644) {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write(`${mode.toString(8).padStart(7, '0')}\0`, 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write(linkname, 157, 100);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** Zeros that pad a member of `size` bytes to the next 512-byte block. */
export const tarPadding = (size) => Buffer.alloc((512 - (size % 512)) % 512);

export function writeLayoutBlob(layout, bytes) {
  const digest = sha256(bytes);
  mkdirSync(join(layout, 'blobs/sha256'), { recursive: true });
  writeFileSync(join(layout, 'blobs/sha256', digest.slice(7)), bytes);
  return digest;
}

/**
 * Config, manifest, oci-layout and index.json for layers already in the layout's blobs.
 * index.json is written last: its presence marks a complete layout that later runs may reuse.
 */
export function writeLayoutImage(layout, layers) {
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: writeLayoutBlob(layout, config),
        size: config.length,
      },
      layers: layers.map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: l.digest,
        size: l.size,
      })),
    }),
  );
  const manifestDigest = writeLayoutBlob(layout, manifest);
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.length },
      ],
    }),
  );
  return manifestDigest;
}
