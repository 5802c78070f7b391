// `in` benchmark: bin/in (rootfs) vs `skopeo copy docker://… oci:…` + `umoci raw unpack`, on the
// realistic image (≈250 MB, ≈25k files, 5 layers, shared with out-bench) and a 1 GiB single-layer
// image, both pushed to a real local docker-registry. Everything lives under /dev/shm.
// Run alone with `node bench/in-bench.mjs [--runs N]`, or through bench/run.mjs (runInBench()).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startDelayProxy } from './delay-proxy.mjs';
import {
  BENCH_ROOT,
  ROOT,
  assertValidTarLayer,
  ensureRealisticImage,
  median,
  runsArg,
  secondsSince,
  startRegistry,
  tarEntry,
  tarHeader,
  timed,
  writeGzipLayer,
  writeLayoutImage,
} from './support.mjs';

const WORK = join(BENCH_ROOT, 'in');
/** Each direction of bench/delay-proxy.mjs for the delayed rows: a 20 ms round trip. */
export const IN_DELAY_MS = 10;
const BIG_BYTES = 1024 ** 3;

/** A one-file image: the RSS of bin/in doing (almost) nothing, to compare peaks against. */
async function ensureTinyImage() {
  const layout = join(WORK, 'tiny-layout');
  if (existsSync(join(layout, 'index.json'))) return layout;
  const layer = await writeGzipLayer(layout, (write) => write(tarEntry('tiny.txt', Buffer.from('tiny\n'))));
  writeLayoutImage(layout, [layer]);
  return layout;
}

/** One layer of 8 × 128 MiB files (half random, half text per MiB), gzip-streamed to disk: never in memory. */
async function ensureBigImage() {
  const layout = join(WORK, 'big-layout');
  if (existsSync(join(layout, 'index.json'))) return layout;
  rmSync(layout, { recursive: true, force: true });
  const text = Buffer.alloc(512 * 1024, 'the quick brown fox jumps over the lazy dog 0123456789\n');
  const files = 8;
  const perFile = BIG_BYTES / files;
  const layer = await writeGzipLayer(
    layout,
    async (write) => {
      for (let f = 0; f < files; f++) {
        // perFile is a whole number of MiB: no padding needed after the content.
        await write(tarHeader(`data/blob-${f}.bin`, perFile));
        for (let off = 0; off < perFile; off += 1024 * 1024) {
          await write(randomBytes(512 * 1024));
          await write(text);
        }
      }
    },
    1,
  );
  assertValidTarLayer(layout, layer.digest, files);
  writeLayoutImage(layout, [layer]);
  return layout;
}

// Peak RSS of bin/in, reported by the process itself at exit (getrusage maxrss).
const RSS_PRELOAD = join(WORK, 'report-rss.mjs');
const inScript = process.env.IN_BENCH_SCRIPT ?? join(ROOT, 'bin/in');

async function ours(repository, digest, dest) {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const run = await timed(
    process.execPath,
    ['--import', RSS_PRELOAD, inScript, dest],
    JSON.stringify({ source: { repository }, version: { digest } }),
  );
  const rssMiB = Number(readFileSync(join(dirname(dest), `rss-of-${dest.split('/').pop()}`), 'utf8')) / 1024;
  return { seconds: run.seconds, rssMiB };
}

async function theirs(repository, digest, dest) {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const started = performance.now();
  await timed('/usr/bin/skopeo', [
    'copy',
    '--quiet',
    '--src-tls-verify=false',
    `docker://${repository}@${digest}`,
    `oci:${dest}/oci:latest`,
  ]);
  await timed('/usr/bin/umoci', ['raw', 'unpack', '--image', `${dest}/oci:latest`, `${dest}/rootfs`]);
  return { seconds: secondsSince(started) };
}

/** bin/in with `format: oci-layout`: the image as an OCI layout in DEST/oci, no unpacking. */
async function oursLayout(repository, digest, dest) {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const run = await timed(
    process.execPath,
    [inScript, dest],
    JSON.stringify({ source: { repository }, version: { digest }, params: { format: 'oci-layout' } }),
  );
  return { seconds: run.seconds };
}

/** The peer for a layout: `skopeo copy docker://… dir:` (blobs as files, no unpacking either). */
async function skopeoDir(repository, digest, dest) {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const run = await timed('/usr/bin/skopeo', [
    'copy',
    '--quiet',
    '--src-tls-verify=false',
    `docker://${repository}@${digest}`,
    `dir:${dest}/dir`,
  ]);
  return { seconds: run.seconds };
}

/**
 * The single-pipe floor of an unpack: every layer of the local layout in order through
 * `cat blob | gzip -dc | tar -x`, with no network, no digest checks and no whiteouts.
 */
async function pipeFloor(layout, dest) {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(layout, 'blobs/sha256', index.manifests[0].digest.slice(7)), 'utf8'));
  const blobs = manifest.layers.map((l) => join(layout, 'blobs/sha256', l.digest.slice(7)));
  const script = blobs.map((b) => `cat '${b}' | gzip -dc | tar -x -C '${dest}'`).join(' && ');
  const run = await timed('/bin/sh', ['-c', script]);
  return { seconds: run.seconds };
}

/** Peak RSS (MiB) of a bare `node` running an empty module, through the same preload as bin/in. */
async function bareNodeRss() {
  const empty = join(WORK, 'empty.mjs');
  writeFileSync(empty, '');
  const dest = join(WORK, 'out-bare');
  await timed(process.execPath, ['--import', RSS_PRELOAD, empty, dest]);
  return Number(readFileSync(join(WORK, 'rss-of-out-bare'), 'utf8')) / 1024;
}

async function pushLayout(layout, ref) {
  await timed('/usr/bin/skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}`, `docker://${ref}`]);
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  return index.manifests[0].digest;
}

/** The parts of the `in` bench: the peer per image, the floors, the delayed rows. */
export const IN_PARTS = ['peer', 'floors', 'delayed'];

export async function runInBench({ runs = 3, log = console.log, parts = IN_PARTS } = {}) {
  if (!process.env.IN_BENCH_SCRIPT && !existsSync(join(ROOT, 'dist/in.mjs')))
    throw new Error('dist/in.mjs is missing: run `npm run build` first');
  mkdirSync(WORK, { recursive: true });
  writeFileSync(
    RSS_PRELOAD,
    `import { writeFileSync } from 'node:fs';\nimport { basename, dirname, join } from 'node:path';\n` +
      `process.on('exit', () => { const d = process.argv[2]; if (d) writeFileSync(join(dirname(d), 'rss-of-' + basename(d)), String(process.resourceUsage().maxRSS)); });\n`,
  );
  let started = performance.now();
  const layout = await ensureRealisticImage();
  const bigLayout = await ensureBigImage();
  log(`in-bench: images ready (${secondsSince(started).toFixed(1)} s)`);
  const registry = await startRegistry(join(WORK, 'registry'));
  const results = {};
  try {
    started = performance.now();
    const images = {
      tiny: {
        repository: `${registry.host}/bench/tiny`,
        digest: await pushLayout(await ensureTinyImage(), `${registry.host}/bench/tiny:latest`),
      },
      realistic: {
        repository: `${registry.host}/bench/realistic`,
        digest: await pushLayout(layout, `${registry.host}/bench/realistic:latest`),
      },
      big1GiB: {
        repository: `${registry.host}/bench/big`,
        digest: await pushLayout(bigLayout, `${registry.host}/bench/big:latest`),
      },
    };
    log(`in-bench: pushed to ${registry.host} (${secondsSince(started).toFixed(1)} s)`);
    for (const [name, { repository, digest }] of Object.entries(parts.includes('peer') ? images : {})) {
      const t = { ours: [], theirs: [], rssMiB: [] };
      for (let i = 0; i < runs; i++) {
        const order = i % 2 ? ['theirs', 'ours'] : ['ours', 'theirs'];
        for (const who of order) {
          const dest = join(WORK, `out-${who}`);
          if (who === 'ours') {
            const r = await ours(repository, digest, dest);
            t.ours.push(r.seconds);
            t.rssMiB.push(r.rssMiB);
          } else {
            t.theirs.push((await theirs(repository, digest, dest)).seconds);
          }
          if (i > 0) rmSync(dest, { recursive: true, force: true });
        }
        if (i === 0) {
          // Same tree as umoci's: names, contents, symlink targets (modes and times are checked by the tests).
          await timed('diff', [
            '-r',
            '--no-dereference',
            join(WORK, 'out-ours/rootfs'),
            join(WORK, 'out-theirs/rootfs'),
          ]);
          for (const who of ['ours', 'theirs']) rmSync(join(WORK, `out-${who}`), { recursive: true, force: true });
          log(`in-bench ${name}: bin/in rootfs identical to umoci's (diff -r)`);
        }
      }
      const r = {
        oursMedianS: median(t.ours),
        skopeoUmociMedianS: median(t.theirs),
        ratio: median(t.ours) / median(t.theirs),
        peakRssMiB: Math.max(...t.rssMiB),
        samples: t,
      };
      results[name] = r;
      const f = (x) => x.toFixed(2);
      log(
        `in-bench ${name}: bin/in ${f(r.oursMedianS)} s, skopeo+umoci ${f(r.skopeoUmociMedianS)} s, ratio ${f(r.ratio)}x${name === 'realistic' ? ' (target <= 0.8x)' : ''}, bin/in peak RSS ${r.peakRssMiB.toFixed(0)} MiB` +
          (results.tiny && name !== 'tiny'
            ? ` (+${(r.peakRssMiB - results.tiny.peakRssMiB).toFixed(0)} MiB over the tiny image)`
            : ''),
      );
    }
    if (parts.includes('floors')) results.vsFloors = await floorRows(images.realistic, layout, results, runs, log);
    if (parts.includes('delayed'))
      results.delayed = await delayedRows(registry.host, images.realistic.digest, runs, log);
  } finally {
    await registry.stop();
  }
  return results;
}

/**
 * The realistic image, same run: bin/in's layout against skopeo's dir:, bin/in's rootfs against
 * the single-pipe floor, and (when the peer part ran) every peak RSS against a bare node's.
 */
async function floorRows({ repository, digest }, layout, results, runs, log) {
  const t = { layout: [], skopeoDir: [], rootfs: [], floor: [], bareRssMiB: [] };
  for (let i = 0; i < runs; i++) {
    const order = ['layout', 'skopeoDir', 'rootfs', 'floor'];
    if (i % 2) order.reverse();
    for (const who of order) {
      const dest = join(WORK, `out-${who}`);
      if (who === 'layout') t.layout.push((await oursLayout(repository, digest, dest)).seconds);
      else if (who === 'skopeoDir') t.skopeoDir.push((await skopeoDir(repository, digest, dest)).seconds);
      else if (who === 'rootfs') t.rootfs.push((await ours(repository, digest, dest)).seconds);
      else t.floor.push((await pipeFloor(layout, dest)).seconds);
      rmSync(dest, { recursive: true, force: true });
    }
    t.bareRssMiB.push(await bareNodeRss());
  }
  const bareRss = Math.max(...t.bareRssMiB);
  const v = {
    ociLayoutMedianS: median(t.layout),
    skopeoDirMedianS: median(t.skopeoDir),
    ociLayoutRatio: median(t.layout) / median(t.skopeoDir),
    rootfsMedianS: median(t.rootfs),
    pipeFloorMedianS: median(t.floor),
    rootfsFloorRatio: median(t.rootfs) / median(t.floor),
    bareNodeRssMiB: bareRss,
    realisticRssRatio: (results.realistic?.peakRssMiB ?? NaN) / bareRss,
    big1GiBRssRatio: (results.big1GiB?.peakRssMiB ?? NaN) / bareRss,
    samples: t,
  };
  const f = (x) => x.toFixed(2);
  log(
    `in-bench realistic oci-layout: bin/in ${f(v.ociLayoutMedianS)} s, skopeo copy dir: ${f(v.skopeoDirMedianS)} s, ratio ${f(v.ociLayoutRatio)}x (target <= 0.8x)`,
  );
  log(
    `in-bench realistic rootfs: bin/in ${f(v.rootfsMedianS)} s, cat | gzip -dc | tar -x ${f(v.pipeFloorMedianS)} s, ratio ${f(v.rootfsFloorRatio)}x (target <= 1.0x)`,
  );
  log(
    `in-bench peak RSS vs bare node ${bareRss.toFixed(0)} MiB: realistic ${f(v.realisticRssRatio)}x, 1 GiB layer ${f(v.big1GiBRssRatio)}x (target <= 2x)`,
  );
  return v;
}

/**
 * The realistic image through bench/delay-proxy.mjs (IN_DELAY_MS each way), where loopback hides
 * what connection reuse and parallel downloads buy: bin/in as an OCI layout and as a rootfs, next
 * to `skopeo copy docker:// dir:` through the same proxy.
 */
async function delayedRows(registryHost, digest, runs, log) {
  const proxy = await startDelayProxy(registryHost, IN_DELAY_MS);
  const repository = `${proxy.host}/bench/realistic`;
  const t = { layout: [], rootfs: [], skopeoDir: [] };
  try {
    for (let i = 0; i < runs; i++) {
      const order = ['layout', 'skopeoDir', 'rootfs'];
      if (i % 2) order.reverse();
      for (const who of order) {
        const dest = join(WORK, `out-delayed-${who}`);
        if (who === 'layout') t.layout.push((await oursLayout(repository, digest, dest)).seconds);
        else if (who === 'skopeoDir') t.skopeoDir.push((await skopeoDir(repository, digest, dest)).seconds);
        else t.rootfs.push((await ours(repository, digest, dest)).seconds);
        rmSync(dest, { recursive: true, force: true });
      }
    }
  } finally {
    await proxy.stop();
  }
  const d = {
    delayMsEachWay: IN_DELAY_MS,
    ociLayoutMedianS: median(t.layout),
    rootfsMedianS: median(t.rootfs),
    skopeoDirMedianS: median(t.skopeoDir),
    ociLayoutRatio: median(t.layout) / median(t.skopeoDir),
    rootfsRatio: median(t.rootfs) / median(t.skopeoDir),
    samples: t,
  };
  const f = (x) => x.toFixed(2);
  log(
    `in-bench realistic, ${2 * IN_DELAY_MS} ms RTT: bin/in oci-layout ${f(d.ociLayoutMedianS)} s, rootfs ${f(d.rootfsMedianS)} s, skopeo copy dir: ${f(d.skopeoDirMedianS)} s, ratios ${f(d.ociLayoutRatio)}x / ${f(d.rootfsRatio)}x`,
  );
  return d;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf('--parts');
  const parts = at >= 0 ? process.argv[at + 1].split(',') : IN_PARTS;
  await runInBench({ runs: runsArg(process.argv), parts });
}
