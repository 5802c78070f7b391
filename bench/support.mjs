// What in-bench and out-bench share: where they work, a timed process runner, a throwaway
// docker-registry, and the pieces that write OCI layouts (tar headers, blobs, config + manifest).
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// tmpfs keeps disk speed out of the timings; /tmp only where there is no /dev/shm.
// REGISTRY_IMAGE_BENCH_ROOT moves it (two benches at once must not share one).
export const BENCH_ROOT =
  process.env.REGISTRY_IMAGE_BENCH_ROOT ??
  (existsSync('/dev/shm') ? '/dev/shm/registry-image-bench' : '/tmp/registry-image-bench');

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
    // A tool that exits without reading its (empty) stdin must not fail the bench with EPIPE.
    child.stdin.on('error', () => undefined);
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
    `version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\nstorage:\n  cache:\n    blobdescriptor: inmemory\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:0\n  secret: bench\n`,
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

/** One whole tar member: header, content, padding. The header's size is the content's, so they cannot disagree. */
export const tarEntry = (name, content = Buffer.alloc(0), type = '0', linkname = '', mode = 0o644) =>
  Buffer.concat([tarHeader(name, content.length, type, linkname, mode), content, tarPadding(content.length)]);

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
export function writeLayoutImage(layout, layers, layerMediaType = 'application/vnd.oci.image.layer.v1.tar+gzip') {
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
        mediaType: layerMediaType,
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

/**
 * Streams the tar that `produce(write)` writes (plus the end-of-archive blocks) through gzip into a
 * blob of `layout`, hashing both sides on the way: a layer is never held in memory whole.
 */
export async function writeGzipLayer(layout, produce, level = 6) {
  mkdirSync(join(layout, 'blobs/sha256'), { recursive: true });
  const partial = join(layout, 'blobs/layer.partial');
  const gzip = createGzip({ level });
  const compressedHash = createHash('sha256');
  const tarHash = createHash('sha256');
  let size = 0;
  gzip.on('data', (c) => {
    compressedHash.update(c);
    size += c.length;
  });
  const out = createWriteStream(partial);
  const closed = new Promise((resolve, reject) => {
    out.once('close', resolve);
    out.once('error', reject);
  });
  gzip.pipe(out);
  const write = async (b) => {
    tarHash.update(b);
    if (!gzip.write(b)) await new Promise((r) => gzip.once('drain', r));
  };
  await produce(write);
  await write(Buffer.alloc(1024));
  gzip.end();
  await closed;
  const digest = `sha256:${compressedHash.digest('hex')}`;
  renameSync(partial, join(layout, 'blobs/sha256', digest.slice(7)));
  return { digest, diffId: `sha256:${tarHash.digest('hex')}`, size };
}

/** Fails unless GNU tar reads the gzip layer `digest` of `layout` cleanly and finds `entries` members. */
export function assertValidTarLayer(layout, digest, entries) {
  const listing = execFileSync('tar', ['-tzf', join(layout, 'blobs/sha256', digest.slice(7))], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const found = listing.split('\n').filter(Boolean).length;
  if (found !== entries) throw new Error(`bench layer ${digest}: tar lists ${found} members, ${entries} written`);
}

export const REALISTIC_LAYERS = 5;
const REALISTIC_FILES_PER_LAYER = 5000;
const REALISTIC_LAYER_BYTES = 50 * 1024 * 1024;

/**
 * The realistic image both benches use, as an OCI layout under BENCH_ROOT (generated once, then
 * reused): 5 gzip layers of ≈50 MiB and 5000 entries each (≈25k, ≈260 MB of file content), sizes
 * spread like a distro (many small files, some large), half incompressible like binaries, half
 * text, with directories, symlinks, hardlinks and whiteouts of earlier layers' files. Every layer
 * is checked with GNU tar before the layout is marked complete.
 */
export async function ensureRealisticImage() {
  const layout = join(BENCH_ROOT, 'realistic-layout');
  if (existsSync(join(layout, 'index.json'))) return layout;
  rmSync(layout, { recursive: true, force: true });
  const layers = [];
  for (let l = 0; l < REALISTIC_LAYERS; l++) {
    let entries = 0;
    const layer = await writeGzipLayer(layout, async (write) => {
      const add = (...entry) => {
        entries++;
        return write(tarEntry(...entry));
      };
      const dir = (d) => `usr/lib/pkg${l}/d${d}`;
      for (let d = 0; d < 50; d++) await add(`${dir(d)}/`, undefined, '5', '', 0o755);
      const regular = REALISTIC_FILES_PER_LAYER - 100;
      for (let i = 0; i < regular; i++) {
        // Zipf-like sizes: mostly small, a few large, averaging ≈10 KiB.
        const spread = (1 / (0.02 + ((i * 7919) % 997) / 997)) ** 0.9;
        const size = Math.max(1, Math.floor((REALISTIC_LAYER_BYTES / REALISTIC_FILES_PER_LAYER) * 0.3125 * spread));
        // Buffer.alloc repeats the text to exactly `size` bytes.
        const content = i % 2 ? randomBytes(size) : Buffer.alloc(size, `line ${l}.${i} lorem ipsum dolor sit amet\n`);
        await add(`${dir(i % 50)}/f${i}`, content, '0', '', i % 7 === 0 ? 0o755 : 0o644);
      }
      for (let k = 0; k < 50; k++) await add(`${dir(k)}/link${k}`, undefined, '2', `f${k}`);
      for (let k = 0; k < 40; k++) await add(`${dir(k)}/hard${k}`, undefined, '1', `${dir(k)}/f${k}`);
      if (l > 0) for (let k = 0; k < 10; k++) await add(`usr/lib/pkg${l - 1}/d${k}/.wh.f${k + 50}`);
    });
    assertValidTarLayer(layout, layer.digest, entries);
    layers.push(layer);
  }
  writeLayoutImage(layout, layers);
  return layout;
}
