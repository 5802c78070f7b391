// `out` benchmark: bin/out vs `skopeo copy oci-archive:… docker://…` pushing the realistic image
// (≈250 MB, ≈25k files, 5 layers) to a real local registry, fresh and with every blob present.
// Outputs live under /dev/shm. Run alone with `node bench/out-bench.mjs [--runs N]`, or through
// bench/run.mjs, which calls runOutBench().
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startDelayProxy } from './delay-proxy.mjs';
import {
  BENCH_ROOT,
  ROOT,
  ensureRealisticImage,
  median,
  runsArg,
  secondsSince,
  startRegistry,
  timed,
} from './support.mjs';

const WORK = join(BENCH_ROOT, 'out');
/** Each direction of bench/delay-proxy.mjs for the delayed row: a 20 ms round trip. */
export const OUT_DELAY_MS = 10;

/** The realistic image as skopeo's `dir:` format (the peer's source for the delayed row), made once. */
async function ensureRealisticDir() {
  const layout = await ensureRealisticImage();
  const dir = join(WORK, 'dir');
  if (
    existsSync(join(dir, 'manifest.json')) &&
    statSync(join(dir, 'manifest.json')).mtimeMs >= statSync(join(layout, 'index.json')).mtimeMs
  )
    return dir;
  rmSync(dir, { recursive: true, force: true });
  await timed('/usr/bin/skopeo', ['copy', '--quiet', `oci:${layout}`, `dir:${dir}.partial`]);
  renameSync(`${dir}.partial`, dir);
  return dir;
}

/** The shared realistic image as an OCI archive, rebuilt whenever the layout is newer than it. */
async function ensureRealisticArchive() {
  const layout = await ensureRealisticImage();
  const archive = join(WORK, 'archive', 'image.tar');
  if (existsSync(archive) && statSync(archive).mtimeMs >= statSync(join(layout, 'index.json')).mtimeMs) return archive;
  mkdirSync(dirname(archive), { recursive: true });
  execFileSync('tar', ['-C', layout, '-cf', `${archive}.partial`, 'oci-layout', 'index.json', 'blobs/sha256']);
  renameSync(`${archive}.partial`, archive);
  return archive;
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
  const archive = await ensureRealisticArchive();
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
  const delayed = await delayedPush(archive, runs);
  const result = {
    runs,
    delayed,
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
  log(
    `out-bench fresh push, ${2 * OUT_DELAY_MS} ms RTT: bin/out ${f(delayed.outMedianS)} s, skopeo copy dir: ${f(delayed.skopeoMedianS)} s, ratio ${f(delayed.ratio)}x`,
  );
  return result;
}

/**
 * A fresh push of the realistic image through bench/delay-proxy.mjs (OUT_DELAY_MS each way):
 * bin/out from its archive next to `skopeo copy dir: docker://`, each to a fresh registry.
 */
async function delayedPush(archive, runs) {
  const dir = await ensureRealisticDir();
  const t = { out: [], skopeo: [] };
  for (let i = 0; i < runs; i++) {
    const order = i % 2 ? ['out', 'skopeo'] : ['skopeo', 'out'];
    for (const who of order) {
      const registry = await startRegistry(join(WORK, 'registries', `delayed-${who}-${i}`));
      const proxy = await startDelayProxy(registry.host, OUT_DELAY_MS);
      try {
        const repo = `${proxy.host}/bench/${who}`;
        if (who === 'skopeo') {
          const run = await timed('/usr/bin/skopeo', [
            'copy',
            '--quiet',
            '--dest-tls-verify=false',
            `dir:${dir}`,
            `docker://${repo}:fresh`,
          ]);
          t.skopeo.push(run.seconds);
        } else {
          const run = await outPush(archive, repo, 'fresh');
          JSON.parse(run.out);
          t.out.push(run.seconds);
        }
      } finally {
        await proxy.stop();
        await registry.stop();
      }
    }
  }
  return {
    delayMsEachWay: OUT_DELAY_MS,
    outMedianS: median(t.out),
    skopeoMedianS: median(t.skopeo),
    ratio: median(t.out) / median(t.skopeo),
    samples: t,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runOutBench({ runs: runsArg(process.argv) });
}
