// `out` benchmark: bin/out vs `skopeo copy oci-archive:… docker://…` pushing the realistic image
// (≈250 MB, ≈25k files, 5 layers) to a real local registry, fresh and with every blob present.
// Outputs live under /dev/shm. Run alone with `node bench/out-bench.mjs [--runs N]`, or through
// bench/run.mjs, which calls runOutBench().
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  BENCH_ROOT,
  ROOT,
  median,
  runsArg,
  secondsSince,
  sha256,
  startRegistry,
  tarHeader,
  tarPadding,
  timed,
  writeLayoutBlob,
  writeLayoutImage,
} from './support.mjs';

const WORK = join(BENCH_ROOT, 'out');
const LAYERS = 5;
const FILES_PER_LAYER = 5000;
const LAYER_BYTES = 50 * 1024 * 1024;

// Half the files random (incompressible, like binaries), half text-like: a realistic gzip ratio.
function makeLayer(index) {
  const parts = [];
  const per = Math.floor(LAYER_BYTES / FILES_PER_LAYER);
  for (let i = 0; i < FILES_PER_LAYER; i++) {
    const size = Math.max(1, Math.floor(per * (0.2 + ((i * 7919) % 160) / 100)));
    const content =
      i % 2
        ? randomBytes(size)
        : Buffer.from(`line ${index}.${i} lorem ipsum dolor sit amet\n`.repeat(Math.ceil(size / 40)).slice(0, size));
    parts.push(tarHeader(`usr/share/bench${index}/d${i % 50}/f${i}`, size), content, tarPadding(size));
  }
  parts.push(Buffer.alloc(1024));
  const tar = Buffer.concat(parts);
  const gz = gzipSync(tar, { level: 6 });
  return { gz, digest: sha256(gz), diffId: sha256(tar) };
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
    writeLayoutBlob(layout, layer.gz);
    layers.push(layer);
  }
  writeLayoutImage(
    layout,
    layers.map((l) => ({ digest: l.digest, diffId: l.diffId, size: l.gz.length })),
  );
  execFileSync('tar', ['-C', layout, '-cf', archive, 'oci-layout', 'index.json', 'blobs']);
  return { layout, archive };
}

const skopeoPush = (archive, ref) =>
  timed('/usr/bin/skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${archive}`, `docker://${ref}`]);
// OUT_BENCH_SCRIPT benchmarks another build of the `out` script (e.g. a branch's bundle).
const outScript = process.env.OUT_BENCH_SCRIPT ?? join(ROOT, 'bin/out');
const outPush = (archive, repository, tag) =>
  timed(
    process.execPath,
    [outScript, dirname(archive)],
    JSON.stringify({ source: { repository, tag }, params: { image: 'image.tar' } }),
  );

export async function runOutBench({ runs = 3, log = console.log } = {}) {
  if (!process.env.OUT_BENCH_SCRIPT && !existsSync(join(ROOT, 'dist/out.mjs')))
    throw new Error('dist/out.mjs is missing: run `npm run build` first');
  const started = performance.now();
  const { archive } = ensureRealisticImage();
  log(`out-bench: realistic image ready (${secondsSince(started).toFixed(1)} s) at ${archive}`);
  const t = { skopeoFresh: [], outFresh: [], skopeoExisting: [], outExisting: [] };
  for (let i = 0; i < runs; i++) {
    // Alternate who goes first so page-cache and CPU-frequency effects even out.
    const order = i % 2 ? ['out', 'skopeo'] : ['skopeo', 'out'];
    for (const who of order) {
      // A fresh registry per trial, so no client can mount blobs it remembers.
      const registry = await startRegistry(join(WORK, 'registries', `${who}-${i}`));
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
    freshPush: {
      outMedianS: median(t.outFresh),
      skopeoMedianS: median(t.skopeoFresh),
      ratio: median(t.outFresh) / median(t.skopeoFresh),
    },
    allBlobsPresent: {
      outMedianS: median(t.outExisting),
      skopeoMedianS: median(t.skopeoExisting),
      ratio: median(t.outExisting) / median(t.skopeoExisting),
    },
    samples: t,
  };
  const f = (x) => x.toFixed(2);
  log(
    `out-bench fresh push:        bin/out ${f(result.freshPush.outMedianS)} s, skopeo ${f(result.freshPush.skopeoMedianS)} s, ratio ${f(result.freshPush.ratio)}x (target <= 1.0x)`,
  );
  log(
    `out-bench all blobs present: bin/out ${f(result.allBlobsPresent.outMedianS)} s, skopeo ${f(result.allBlobsPresent.skopeoMedianS)} s, ratio ${f(result.allBlobsPresent.ratio)}x (target < 1 s)`,
  );
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runOutBench({ runs: runsArg(process.argv) });
}
