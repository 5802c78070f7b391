// zstd `in` benchmark: bin/in (rootfs) on the realistic image as published (gzip -6) and the same
// tars recompressed with `zstd -3`, both pushed to a real local docker-registry. Node 20 decodes
// zstd with fzstd (pure JS, frame checksums verified by our XXH64); Node >= 22.15 has libzstd in
// zlib. `ZSTD_BENCH_NODE=/path/to/node22+` times bin/in under that Node too (both paths).
// Run alone with `node bench/zstd-bench.mjs [--runs N]`, or through bench/run.mjs (runZstdBench()).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BENCH_ROOT,
  ROOT,
  ensureRealisticImage,
  median,
  runsArg,
  startRegistry,
  timed,
  writeLayoutBlob,
  writeLayoutImage,
} from './support.mjs';

const WORK = join(BENCH_ROOT, 'zstd');

/** The realistic layout's layers, gunzipped and recompressed with `zstd -3` (with checksums, as the CLI does). */
function ensureZstdImage(gzipLayout) {
  const layout = join(WORK, 'realistic-zstd-layout');
  if (existsSync(join(layout, 'index.json'))) return layout;
  rmSync(layout, { recursive: true, force: true });
  const index = JSON.parse(readFileSync(join(gzipLayout, 'index.json'), 'utf8'));
  const blob = (digest) => join(gzipLayout, 'blobs/sha256', digest.slice(7));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
  const config = JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8'));
  const layers = manifest.layers.map((l, i) => {
    const tar = execFileSync('gzip', ['-dc', blob(l.digest)], { maxBuffer: 1 << 30 });
    const bytes = execFileSync('zstd', ['-q', '-c', '-3', '--check'], { input: tar, maxBuffer: 1 << 30 });
    return { digest: writeLayoutBlob(layout, bytes), diffId: config.rootfs.diff_ids[i], size: bytes.length };
  });
  writeLayoutImage(layout, layers, 'application/vnd.oci.image.layer.v1.tar+zstd');
  return layout;
}

function layoutBytes(layout) {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(layout, 'blobs/sha256', index.manifests[0].digest.slice(7)), 'utf8'));
  return manifest.layers.reduce((sum, l) => sum + l.size, 0);
}

async function pushLayout(layout, ref) {
  await timed('/usr/bin/skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}`, `docker://${ref}`]);
  return JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')).manifests[0].digest;
}

async function binIn(node, repository, digest) {
  const dest = join(WORK, 'out');
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const run = await timed(
    node,
    [join(ROOT, 'bin/in'), dest],
    JSON.stringify({ source: { repository }, version: { digest } }),
  );
  if (!statSync(join(dest, 'rootfs')).isDirectory()) throw new Error('bin/in wrote no rootfs');
  rmSync(dest, { recursive: true, force: true });
  return run.seconds;
}

export async function runZstdBench({ runs = 3, log = console.log } = {}) {
  if (!existsSync(join(ROOT, 'dist/in.mjs'))) throw new Error('dist/in.mjs is missing: run `npm run build` first');
  mkdirSync(WORK, { recursive: true });
  const gzipLayout = await ensureRealisticImage();
  const zstdLayout = ensureZstdImage(gzipLayout);
  const registry = await startRegistry(join(WORK, 'registry'));
  const nodes = { [`node ${process.versions.node}`]: process.execPath };
  if (process.env.ZSTD_BENCH_NODE) {
    const version = execFileSync(process.env.ZSTD_BENCH_NODE, ['--version'], { encoding: 'utf8' }).trim();
    nodes[`node ${version.slice(1)}`] = process.env.ZSTD_BENCH_NODE;
  }
  const results = {};
  try {
    const images = {
      gzip: { layout: gzipLayout, repository: `${registry.host}/bench/realistic-gzip` },
      zstd: { layout: zstdLayout, repository: `${registry.host}/bench/realistic-zstd` },
    };
    for (const image of Object.values(images))
      image.digest = await pushLayout(image.layout, `${image.repository}:latest`);
    for (const [nodeName, node] of Object.entries(nodes)) {
      for (const [name, { layout, repository, digest }] of Object.entries(images)) {
        const samples = [];
        for (let i = 0; i < runs; i++) samples.push(await binIn(node, repository, digest));
        const key = `${name} (${nodeName})`;
        results[key] = { medianS: median(samples), layerMiB: layoutBytes(layout) / 1024 ** 2, samples };
        log(
          `zstd-bench ${key}: bin/in ${median(samples).toFixed(2)} s for ${results[key].layerMiB.toFixed(1)} MiB of layers`,
        );
      }
    }
  } finally {
    await registry.stop();
  }
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runZstdBench({ runs: runsArg(process.argv) });
}
