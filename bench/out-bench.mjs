// `out` benchmark: bin/out vs `skopeo copy oci-archive:… docker://…` pushing the realistic image
// (≈250 MB, ≈25k files, 5 layers) to a real local registry, fresh and with every blob present.
// Outputs live under /dev/shm. Run alone with `node bench/out-bench.mjs [--runs N]`, or through
// bench/run.mjs, which calls runOutBench().
import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WORK = existsSync('/dev/shm') ? '/dev/shm/registry-image-bench/out' : '/tmp/registry-image-bench/out';
const LAYERS = 5;
const FILES_PER_LAYER = 5000;
const LAYER_BYTES = 50 * 1024 * 1024;

const sha256 = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function tarHeader(name, size) {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

// Half the files random (incompressible, like binaries), half text-like: a realistic gzip ratio.
function makeLayer(index) {
  const parts = [];
  const per = Math.floor(LAYER_BYTES / FILES_PER_LAYER);
  for (let i = 0; i < FILES_PER_LAYER; i++) {
    const size = Math.max(1, Math.floor(per * (0.2 + ((i * 7919) % 160) / 100)));
    const content = i % 2 ? randomBytes(size) : Buffer.from(`line ${index}.${i} lorem ipsum dolor sit amet\n`.repeat(Math.ceil(size / 40)).slice(0, size));
    parts.push(tarHeader(`usr/share/bench${index}/d${i % 50}/f${i}`, size), content, Buffer.alloc((512 - (size % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  const tar = Buffer.concat(parts);
  const gz = gzipSync(tar, { level: 6 });
  return { gz, digest: sha256(gz), diffId: sha256(tar) };
}

function writeBlob(layout, bytes) {
  const digest = sha256(bytes);
  const path = join(layout, 'blobs/sha256', digest.slice(7));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return digest;
}

/** The realistic image as an OCI layout and an OCI archive; generated once, kept on /dev/shm. */
export function ensureRealisticImage() {
  const layout = join(WORK, 'layout');
  const archive = join(WORK, 'image.tar');
  if (existsSync(archive)) return { layout, archive };
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(layout, { recursive: true });
  const layers = [];
  for (let i = 0; i < LAYERS; i++) {
    const layer = makeLayer(i);
    writeBlob(layout, layer.gz);
    layers.push(layer);
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/usr/bin:/bin'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: writeBlob(layout, config), size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.gz.length })),
    }),
  );
  const manifestDigest = writeBlob(layout, manifest);
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.length }] }),
  );
  execFileSync('tar', ['-C', layout, '-cf', archive, 'oci-layout', 'index.json', 'blobs']);
  return { layout, archive };
}

/** A fresh docker-registry (filesystem storage on /dev/shm) per trial, so no client can mount blobs it remembers. */
async function startRegistry(name) {
  // The registry reports its port at info level (`listening on …`); the access log stays off.
  const dir = join(WORK, 'registries', name);
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

function timed(cmd, args, input) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.stdin.end(input ?? '');
    child.once('exit', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${err.slice(-800)}`));
      else resolve({ seconds, out });
    });
  });
}

const skopeoPush = (archive, ref) => timed('/usr/bin/skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${archive}`, `docker://${ref}`]);
// OUT_BENCH_SCRIPT benchmarks another build of the `out` script (e.g. a branch's bundle).
const outScript = process.env.OUT_BENCH_SCRIPT ?? join(ROOT, 'bin/out');
const outPush = (archive, repository, tag) =>
  timed(process.execPath, [outScript, dirname(archive)], JSON.stringify({ source: { repository, tag }, params: { image: 'image.tar' } }));

export async function runOutBench({ runs = 3, log = console.log } = {}) {
  if (!process.env.OUT_BENCH_SCRIPT && !existsSync(join(ROOT, 'dist/out.mjs'))) throw new Error('dist/out.mjs is missing: run `npm run build` first');
  const started = performance.now();
  const { archive } = ensureRealisticImage();
  log(`out-bench: realistic image ready (${((performance.now() - started) / 1000).toFixed(1)} s) at ${archive}`);
  const t = { skopeoFresh: [], outFresh: [], skopeoExisting: [], outExisting: [] };
  for (let i = 0; i < runs; i++) {
    // Alternate who goes first so page-cache and CPU-frequency effects even out.
    const order = i % 2 ? ['out', 'skopeo'] : ['skopeo', 'out'];
    for (const who of order) {
      const registry = await startRegistry(`${who}-${i}`);
      try {
        const repo = `${registry.host}/bench/${who}`;
        if (who === 'skopeo') {
          t.skopeoFresh.push((await skopeoPush(archive, `${repo}:fresh`)).seconds);
          t.skopeoExisting.push((await skopeoPush(archive, `${repo}:again`)).seconds);
        } else {
          const fresh = await outPush(archive, repo, 'fresh');
          t.outFresh.push(fresh.seconds);
          t.outExisting.push((await outPush(archive, repo, 'again')).seconds);
          JSON.parse(fresh.out);
        }
      } finally {
        await registry.stop();
      }
    }
  }
  const result = {
    runs,
    freshPush: { outMedianS: median(t.outFresh), skopeoMedianS: median(t.skopeoFresh), ratio: median(t.outFresh) / median(t.skopeoFresh) },
    allBlobsPresent: { outMedianS: median(t.outExisting), skopeoMedianS: median(t.skopeoExisting), ratio: median(t.outExisting) / median(t.skopeoExisting) },
    samples: t,
  };
  const f = (x) => x.toFixed(2);
  log(`out-bench fresh push:        bin/out ${f(result.freshPush.outMedianS)} s, skopeo ${f(result.freshPush.skopeoMedianS)} s, ratio ${f(result.freshPush.ratio)}x (target <= 1.0x)`);
  log(`out-bench all blobs present: bin/out ${f(result.allBlobsPresent.outMedianS)} s, skopeo ${f(result.allBlobsPresent.skopeoMedianS)} s, ratio ${f(result.allBlobsPresent.ratio)}x (target < 1 s)`);
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--runs');
  await runOutBench({ runs: i > 0 ? Number(process.argv[i + 1]) : 3 });
}
