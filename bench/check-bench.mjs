// `check` benchmark, every figure next to its floor in the same run (the machine is shared, so only
// ratios mean anything): a cold bin/check in tag mode against a bare `node` running an empty module,
// on the machine's Node and on the image's Node 24 (/opt/resource as the image lays it out, with
// its baked compile cache), each process's CPU time (user + system, which other jobs on the
// machine do not stretch as they do wall time), wall time and peak RSS; and semver mode over 1,000
// tags through a delay proxy (10 ms each way) against the sequential floor: one keep-alive
// connection, one HEAD per tag, through the same proxy.
// Run alone with `node bench/check-bench.mjs [--runs N]`, or through bench/run.mjs (runCheckBench()).
import { execFileSync, spawn } from 'node:child_process';
import { request, Agent } from 'node:http';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startDelayProxy } from './delay-proxy.mjs';
import { BENCH_ROOT, ROOT, median, runsArg, secondsSince, sha256, startRegistry, timed } from './support.mjs';
import { ensureNodeRuntime } from '../scripts/image/node-runtime.mjs';

const WORK = join(BENCH_ROOT, 'check');
export const MANY_TAGS = 1000;
export const DELAY_MS = 10;
const checkScript = process.env.CHECK_BENCH_SCRIPT ?? join(ROOT, 'bin/check');
const EMPTY = join(WORK, 'empty.mjs');
const CPU_PROBE = join(ROOT, 'bench/cpu-probe.mjs');

/** One HTTP exchange on `agent`; resolves to { status, headers, body }. */
function call(agent, host, method, path, body, headers = {}) {
  const [hostname, port] = host.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ agent, hostname, port: Number(port), method, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function pushBlob(agent, host, repo, bytes) {
  const digest = sha256(bytes);
  const started = await call(agent, host, 'POST', `/v2/${repo}/blobs/uploads/`, undefined, { 'Content-Length': '0' });
  const location = new URL(started.headers.location, `http://${host}`);
  location.searchParams.set('digest', digest);
  const put = await call(agent, host, 'PUT', `${location.pathname}${location.search}`, bytes, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(bytes.length),
  });
  if (put.status !== 201) throw new Error(`blob upload to ${repo}: ${put.status} ${put.body}`);
  return digest;
}

/** `tag` → a manifest of its own (an annotation tells them apart), so every tag has its own digest. */
export async function pushTags(host, repo, tags) {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
  const configDigest = await pushBlob(agent, host, repo, config);
  const put = async (tag) => {
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
        layers: [],
        annotations: { 'bench.tag': tag },
      }),
    );
    const r = await call(agent, host, 'PUT', `/v2/${repo}/manifests/${tag}`, manifest, {
      'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
      'Content-Length': String(manifest.length),
    });
    if (r.status !== 201) throw new Error(`manifest ${repo}:${tag}: ${r.status} ${r.body}`);
  };
  const queue = [...tags];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (queue.length) await put(queue.shift());
    }),
  );
  agent.destroy();
}

/** The sequential floor: one keep-alive connection, the tag list, then one HEAD per tag in turn. */
async function sequentialFloor(host, repo) {
  const started = performance.now();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const list = await call(agent, host, 'GET', `/v2/${repo}/tags/list`);
  const { tags } = JSON.parse(list.body.toString());
  for (const tag of tags) {
    const r = await call(agent, host, 'HEAD', `/v2/${repo}/manifests/${tag}`, undefined, {
      Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
    });
    if (r.status !== 200) throw new Error(`floor HEAD ${repo}:${tag}: ${r.status}`);
  }
  agent.destroy();
  return { seconds: secondsSince(started), tags: tags.length };
}

/**
 * One cold process under `node --import bench/cpu-probe.mjs` (the same preload on both sides):
 * its wall seconds, and the CPU ms and peak RSS MiB it reports at exit.
 */
function probed(node, args, input) {
  const out = join(WORK, `probe-${process.pid}.jsonl`);
  rmSync(out, { force: true });
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(node, ['--import', CPU_PROBE, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, CPU_PROBE_OUT: out },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
    child.once('exit', (code) => {
      const seconds = secondsSince(started);
      if (code !== 0) return reject(new Error(`${node} ${args.join(' ')} failed (${code}): ${stderr.slice(-800)}`));
      const probe = JSON.parse(readFileSync(out, 'utf8').trim());
      resolve({ seconds, cpuMs: probe.cpuMs, rssMiB: probe.maxRssKiB / 1024, out: stdout });
    });
  });
}

/** /opt/resource as the image holds it, laid out and compile-cache-baked by the image's Node. */
async function imageResource() {
  const runtime = await ensureNodeRuntime();
  const dir = join(WORK, 'opt-resource');
  rmSync(dir, { recursive: true, force: true });
  execFileSync(runtime.node, [join(ROOT, 'docker/layout.mjs'), join(ROOT, 'dist'), dir, '--bake-compile-cache'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { node: runtime.node, version: `v${runtime.version}`, check: join(dir, 'check') };
}

/** Cold figures of one side: medians of wall and CPU, and the highest peak RSS. */
function coldFigures(node, ours, bare) {
  const m = (xs, k) => median(xs.map((x) => x[k]));
  const peak = (xs) => Math.max(...xs.map((x) => x.rssMiB));
  return {
    node,
    oursMedianS: m(ours, 'seconds'),
    bareNodeMedianS: m(bare, 'seconds'),
    ratio: m(ours, 'seconds') / m(bare, 'seconds'),
    oursCpuMs: m(ours, 'cpuMs'),
    bareNodeCpuMs: m(bare, 'cpuMs'),
    cpuRatio: m(ours, 'cpuMs') / m(bare, 'cpuMs'),
    oursPeakMiB: peak(ours),
    bareNodePeakMiB: peak(bare),
    rssRatio: peak(ours) / peak(bare),
    samples: { ours, bare },
  };
}

export async function runCheckBench({ runs = 3, log = console.log } = {}) {
  if (!process.env.CHECK_BENCH_SCRIPT && !existsSync(join(ROOT, 'dist/check.mjs')))
    throw new Error('dist/check.mjs is missing: run `npm run build` first');
  mkdirSync(WORK, { recursive: true });
  writeFileSync(EMPTY, '');
  const registry = await startRegistry(join(WORK, 'registry'));
  const results = {};
  try {
    let started = performance.now();
    await pushTags(registry.host, 'bench/one', ['latest']);
    const tags = Array.from(
      { length: MANY_TAGS },
      (_, i) => `${1 + Math.floor(i / 100)}.${Math.floor(i / 10) % 10}.${i % 10}`,
    );
    await pushTags(registry.host, 'bench/many', tags);
    log(`check-bench: ${MANY_TAGS} tags pushed to ${registry.host} (${secondsSince(started).toFixed(1)} s)`);

    // Cold start: many short runs of the four processes, in a rotating order so that load on the
    // machine falls on all alike; CPU time is the headline, wall time and peak RSS come along.
    const tagRequest = JSON.stringify({ source: { repository: `${registry.host}/bench/one`, tag: 'latest' } });
    const image = await imageResource();
    const sides = {
      ours: { node: process.execPath, args: [checkScript], input: tagRequest },
      bare: { node: process.execPath, args: [EMPTY] },
      ours24: { node: image.node, args: [image.check], input: tagRequest },
      bare24: { node: image.node, args: [EMPTY] },
    };
    const cold = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
    const once = async (who) => {
      const { node, args, input } = sides[who];
      const r = await probed(node, args, input);
      if (input && !r.out.includes('sha256:')) throw new Error(`${who} check answered ${r.out}`);
      return r;
    };
    for (const who of Object.keys(sides)) await once(who); // page cache warm, not counted
    const coldRuns = Math.max(9, runs * 5);
    const names = Object.keys(sides);
    for (let i = 0; i < coldRuns; i++) {
      for (let j = 0; j < names.length; j++) {
        const who = names[(i + j) % names.length];
        cold[who].push(await once(who));
      }
    }
    results.coldTag = coldFigures(process.version, cold.ours, cold.bare);
    results.coldTag24 = { ...coldFigures(image.version, cold.ours24, cold.bare24), compileCache: 'baked' };
    // Kept for readers of the earlier results: the machine Node's RSS figures.
    results.rss = {
      oursPeakMiB: results.coldTag.oursPeakMiB,
      bareNodePeakMiB: results.coldTag.bareNodePeakMiB,
      ratio: results.coldTag.rssRatio,
    };
    const f = (x) => x.toFixed(3);
    for (const c of [results.coldTag, results.coldTag24]) {
      log(
        `check-bench cold tag mode, node ${c.node}: bin/check ${c.oursCpuMs.toFixed(1)} ms CPU (${f(c.oursMedianS)} s wall), ` +
          `bare node ${c.bareNodeCpuMs.toFixed(1)} ms CPU (${f(c.bareNodeMedianS)} s wall), ratio ${c.cpuRatio.toFixed(2)}x CPU, ` +
          `${c.ratio.toFixed(2)}x wall (target <= 1.3x)`,
      );
      log(
        `check-bench peak RSS, node ${c.node}: bin/check ${c.oursPeakMiB.toFixed(1)} MiB, bare node ${c.bareNodePeakMiB.toFixed(1)} MiB, ratio ${c.rssRatio.toFixed(2)}x (target <= 1.2x)`,
      );
    }

    // Semver over 1,000 tags through the delay proxy, next to the sequential floor.
    const proxy = await startDelayProxy(registry.host, DELAY_MS);
    try {
      const semverRequest = JSON.stringify({ source: { repository: `${proxy.host}/bench/many` } });
      const t = { ours: [], floor: [] };
      for (let i = 0; i < runs; i++) {
        const order = i % 2 ? ['floor', 'ours'] : ['ours', 'floor'];
        for (const who of order) {
          if (who === 'ours') {
            const r = await timed(process.execPath, [checkScript], semverRequest);
            const versions = JSON.parse(r.out);
            if (versions.length !== MANY_TAGS) throw new Error(`bin/check semver found ${versions.length} versions`);
            t.ours.push(r.seconds);
          } else {
            const r = await sequentialFloor(proxy.host, 'bench/many');
            if (r.tags !== MANY_TAGS) throw new Error(`floor listed ${r.tags} tags`);
            t.floor.push(r.seconds);
          }
        }
      }
      results.semverDelayed = {
        tags: MANY_TAGS,
        delayMsEachWay: DELAY_MS,
        oursMedianS: median(t.ours),
        sequentialFloorMedianS: median(t.floor),
        ratio: median(t.ours) / median(t.floor),
        samples: t,
      };
      const r = results.semverDelayed;
      log(
        `check-bench semver ${MANY_TAGS} tags, ${2 * DELAY_MS} ms RTT: bin/check ${r.oursMedianS.toFixed(2)} s, sequential floor ${r.sequentialFloorMedianS.toFixed(2)} s, ratio ${r.ratio.toFixed(3)}x (target <= 0.1x)`,
      );
    } finally {
      await proxy.stop();
    }
  } finally {
    await registry.stop();
  }
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runCheckBench({ runs: runsArg(process.argv) });
}
