// `check` benchmark, every figure next to its floor in the same run (the machine is shared, so only
// ratios mean anything): a cold bin/check in tag mode against a bare `node` running an empty module,
// both processes' peak RSS, and semver mode over 1,000 tags through a delay proxy (10 ms each way)
// against the sequential floor: one keep-alive connection, one HEAD per tag, through the same proxy.
// Run alone with `node bench/check-bench.mjs [--runs N]`, or through bench/run.mjs (runCheckBench()).
import { request, Agent } from 'node:http';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startDelayProxy } from './delay-proxy.mjs';
import { BENCH_ROOT, ROOT, median, runsArg, secondsSince, sha256, startRegistry, timed } from './support.mjs';

const WORK = join(BENCH_ROOT, 'check');
export const MANY_TAGS = 1000;
export const DELAY_MS = 10;
const checkScript = process.env.CHECK_BENCH_SCRIPT ?? join(ROOT, 'bin/check');
const EMPTY = join(WORK, 'empty.mjs');

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

/** Peak RSS (MiB) of a process, from GNU time's %M: the same measure for both sides. */
async function peakRss(cmd, args, input) {
  const run = await timed('/usr/bin/time', ['-f', 'maxrss=%M', cmd, ...args], input);
  const m = /maxrss=(\d+)/.exec(run.err);
  if (!m) throw new Error(`no maxrss from /usr/bin/time for ${cmd}`);
  return Number(m[1]) / 1024;
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

    // Cold start: many short runs, alternating which goes first.
    const tagRequest = JSON.stringify({ source: { repository: `${registry.host}/bench/one`, tag: 'latest' } });
    const cold = { ours: [], bare: [], oursRss: [], bareRss: [] };
    const coldRuns = Math.max(9, runs * 5);
    for (let i = 0; i < coldRuns; i++) {
      const order = i % 2 ? ['bare', 'ours'] : ['ours', 'bare'];
      for (const who of order) {
        if (who === 'ours') {
          const r = await timed(process.execPath, [checkScript], tagRequest);
          if (!r.out.includes('sha256:')) throw new Error(`bin/check answered ${r.out}`);
          cold.ours.push(r.seconds);
        } else cold.bare.push((await timed(process.execPath, [EMPTY])).seconds);
      }
    }
    for (let i = 0; i < Math.max(3, runs); i++) {
      cold.oursRss.push(await peakRss(process.execPath, [checkScript], tagRequest));
      cold.bareRss.push(await peakRss(process.execPath, [EMPTY]));
    }
    results.coldTag = {
      oursMedianS: median(cold.ours),
      bareNodeMedianS: median(cold.bare),
      ratio: median(cold.ours) / median(cold.bare),
      samples: cold,
    };
    results.rss = {
      oursPeakMiB: Math.max(...cold.oursRss),
      bareNodePeakMiB: Math.max(...cold.bareRss),
      ratio: Math.max(...cold.oursRss) / Math.max(...cold.bareRss),
    };
    const f = (x) => x.toFixed(3);
    log(
      `check-bench cold tag mode: bin/check ${f(results.coldTag.oursMedianS)} s, bare node ${f(results.coldTag.bareNodeMedianS)} s, ratio ${results.coldTag.ratio.toFixed(2)}x (target <= 1.3x)`,
    );
    log(
      `check-bench peak RSS: bin/check ${results.rss.oursPeakMiB.toFixed(1)} MiB, bare node ${results.rss.bareNodePeakMiB.toFixed(1)} MiB, ratio ${results.rss.ratio.toFixed(2)}x (target <= 1.2x)`,
    );

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
