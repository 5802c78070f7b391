#!/usr/bin/env node
// Cold start of /opt/resource/check: inside the image (chroot into its unpacked layers, Node 24),
// with the compile cache baked into the image and with it turned off, against bin/check on the
// machine's Node.
// Each run is a new process given a request that fails validation, so it measures loading the
// bundle and exiting, not the network. Runs are interleaved so load on the machine hits all alike.
//
//   node scripts/image/cold-start.mjs [--image dist/image] [--runs 15]     (root: chroot)
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './node-runtime.mjs';

const { values } = parseArgs({
  options: { image: { type: 'string', default: 'dist/image' }, runs: { type: 'string', default: '15' } },
});
const layout = resolve(values.image);
const runs = Number(values.runs);
const blob = (digest) => join(layout, 'blobs/sha256', digest.slice('sha256:'.length));
const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
const config = JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8'));
const imageEnv = Object.fromEntries(
  config.config.Env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);

const rootfs = await mkdtemp(join(tmpdir(), 'ri-cold-start-'));
try {
  for (const layer of manifest.layers) execFileSync('tar', ['-xzf', blob(layer.digest), '-C', rootfs]);
  const request = JSON.stringify({ source: {} });
  const cases = {
    'image, node 24, baked compile cache': {
      cmd: '/usr/sbin/chroot',
      args: [rootfs, '/opt/resource/check'],
      env: imageEnv,
    },
    'image, node 24, no compile cache': {
      cmd: '/usr/sbin/chroot',
      args: [rootfs, '/opt/resource/check'],
      env: { ...imageEnv, NODE_DISABLE_COMPILE_CACHE: '1' },
    },
    [`bin/check, machine node ${process.version}`]: {
      cmd: process.execPath,
      args: [join(REPO_ROOT, 'bin/check')],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    },
  };
  // GNU time around each run gives its CPU time (user + sys of the process tree) as well: on a
  // shared machine that is steadier than wall time.
  const timeFile = join(rootfs, '..', `${rootfs.split('/').pop()}.time`);
  const once = ({ cmd, args, env }) => {
    const started = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, cmd, ...args], {
      input: request,
      env,
      encoding: 'utf8',
    });
    const wall = Number(process.hrtime.bigint() - started) / 1e6;
    if (r.status !== 1 || !r.stderr.includes('source.repository is required')) {
      throw new Error(`cold start: ${cmd} ${args.join(' ')} gave ${r.status}: ${r.stderr}`);
    }
    const [user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    return { wall, cpu: (user + sys) * 1000 };
  };
  // One run each first: warms the page cache (the image's compile cache is baked, not filled here).
  for (const c of Object.values(cases)) once(c);
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) for (const [name, c] of Object.entries(cases)) times[name].push(once(c));
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  // GNU time counts CPU in 10 ms steps: a mean says more than a median of those.
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (const [name, xs] of Object.entries(times)) {
    const wall = xs.map((x) => x.wall);
    const cpu = xs.map((x) => x.cpu);
    process.stdout.write(
      `${name}: median ${median(wall).toFixed(1)} ms wall (min ${Math.min(...wall).toFixed(1)}, ` +
        `max ${Math.max(...wall).toFixed(1)}), CPU mean ${mean(cpu).toFixed(0)} ms, n=${xs.length}\n`,
    );
  }
  await rm(timeFile, { force: true });
} finally {
  await rm(rootfs, { recursive: true, force: true });
}
