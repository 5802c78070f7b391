// Load benchmark: 50 concurrent `bin/check` processes, then 5 concurrent `bin/in` of the same
// image, against one real docker-registry on loopback. Every check must print the same versions
// and every `in` the same response and the same rootfs. Reports the wall time of each batch and
// the peak RSS of its processes (sum and max, from /usr/bin/time). Not a timed test: a figure.
// Run alone with `node bench/load-bench.mjs`, or through bench/run.mjs (`--only load`).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, lstatSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  BENCH_ROOT,
  ROOT,
  secondsSince,
  startRegistry,
  tarEntry,
  timed,
  writeGzipLayer,
  writeLayoutImage,
} from './support.mjs';

const WORK = join(BENCH_ROOT, 'load');
const CHECKS = 50;
const INS = 5;
const TAGS = ['1.0.0', '1.1.0', '1.2.0', '2.0.0'];

/** Three layers, 600 files, ≈24 MiB (half random, half text): big enough that downloads overlap. */
async function writeImage(layout) {
  rmSync(layout, { recursive: true, force: true });
  const text = Buffer.alloc(8 * 1024, 'load bench line of text 0123456789\n');
  const layers = [];
  for (let l = 0; l < 3; l++) {
    layers.push(
      await writeGzipLayer(
        layout,
        async (write) => {
          for (let f = 0; f < 200; f++) {
            await write(tarEntry(`layer${l}/file-${f}.bin`, Buffer.concat([randomBytes(20 * 1024), text, text])));
          }
        },
        1,
      ),
    );
  }
  return writeLayoutImage(layout, layers);
}

/** Runs `bin/<name>` under /usr/bin/time; resolves with its stdout, exit code and peak RSS in MiB. */
function measured(name, args, request, rssFile) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      '/usr/bin/time',
      ['-f', '%M', '-o', rssFile, process.execPath, join(ROOT, 'bin', name), ...args],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.stdin.end(JSON.stringify(request));
    child.once('error', reject);
    child.once('close', (code) => {
      const rssMiB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024;
      resolve({ code, out, err, rssMiB });
    });
  });
}

/** Runs all of `jobs` at once; wall time of the batch and the RSS figures. */
async function batch(jobs) {
  const started = performance.now();
  const results = await Promise.all(jobs.map((job) => job()));
  const seconds = secondsSince(started);
  const rss = results.map((r) => r.rssMiB);
  const failed = results.filter((r) => r.code !== 0);
  if (failed.length > 0) throw new Error(`${failed.length} processes failed, e.g.: ${failed[0].err.slice(-500)}`);
  return {
    results,
    wallSeconds: Number(seconds.toFixed(2)),
    peakRssSumMiB: Math.round(rss.reduce((a, b) => a + b, 0)),
    peakRssMaxMiB: Math.round(Math.max(...rss)),
  };
}

/** Digest of a directory tree: every path, its type and mode, and its content (symlinks by target). */
function treeDigest(dir) {
  const hash = createHash('sha256');
  const walk = (rel) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = join(rel, name);
      const stat = lstatSync(join(dir, path));
      hash.update(`${path}\0${stat.mode}\0`);
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) hash.update(readFileSync(join(dir, path)));
    }
  };
  walk('');
  return hash.digest('hex');
}

function identical(values, what) {
  const distinct = new Set(values);
  if (distinct.size !== 1)
    throw new Error(`load-bench: ${distinct.size} different ${what} across ${values.length} runs`);
}

export async function runLoadBench({ log = console.log } = {}) {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const layout = join(WORK, 'layout');
  const digest = await writeImage(layout);
  const registry = await startRegistry(join(WORK, 'registry'));
  try {
    const repository = `${registry.host}/bench/load`;
    for (const tag of TAGS) {
      await timed('/usr/bin/skopeo', [
        'copy',
        '--quiet',
        '--dest-tls-verify=false',
        `oci:${layout}`,
        `docker://${repository}:${tag}`,
      ]);
    }
    log(`load-bench: pushed ${TAGS.length} tags of one image to ${registry.host}`);

    const checks = await batch(
      Array.from(
        { length: CHECKS },
        (_, i) => () =>
          measured(
            'check',
            [],
            { source: { repository }, version: { tag: TAGS[0], digest } },
            join(WORK, `rss-check-${i}`),
          ),
      ),
    );
    identical(
      checks.results.map((r) => r.out),
      'check outputs',
    );
    const versions = JSON.parse(checks.results[0].out);
    if (versions.length === 0 || versions.some((v) => v.digest !== digest))
      throw new Error(`load-bench: check returned ${checks.results[0].out}`);
    log(
      `load-bench: ${CHECKS} concurrent bin/check: ${checks.wallSeconds} s wall, peak RSS sum ${checks.peakRssSumMiB} MiB, max ${checks.peakRssMaxMiB} MiB, identical results`,
    );

    const dests = Array.from({ length: INS }, (_, i) => join(WORK, `in-${i}`));
    for (const dest of dests) mkdirSync(dest, { recursive: true });
    const ins = await batch(
      dests.map(
        (dest, i) => () =>
          measured(
            'in',
            [dest],
            { source: { repository }, version: { tag: '2.0.0', digest } },
            join(WORK, `rss-in-${i}`),
          ),
      ),
    );
    identical(
      ins.results.map((r) => r.out),
      'in responses',
    );
    identical(
      dests.map((d) => treeDigest(join(d, 'rootfs'))),
      'rootfs trees',
    );
    log(
      `load-bench: ${INS} concurrent bin/in: ${ins.wallSeconds} s wall, peak RSS sum ${ins.peakRssSumMiB} MiB, max ${ins.peakRssMaxMiB} MiB, identical rootfs`,
    );
    const figures = ({ wallSeconds, peakRssSumMiB, peakRssMaxMiB }) => ({ wallSeconds, peakRssSumMiB, peakRssMaxMiB });
    return {
      check: { processes: CHECKS, ...figures(checks), identical: true },
      in: { processes: INS, ...figures(ins), identical: true },
    };
  } finally {
    await registry.stop();
    rmSync(WORK, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await runLoadBench(), null, 2));
}
