// `npm run bench`: every benchmark against real tools on a local registry, outputs under /dev/shm.
// `--runs N` (default 3) applies to each; `--only check|in|out|zstd|load` runs one of them. The
// issue-15 table (ours, peer or floor, ratio, target; one run) is printed last.
import { existsSync } from 'node:fs';
import { runCheckBench } from './check-bench.mjs';
import { runInBench } from './in-bench.mjs';
import { runLoadBench } from './load-bench.mjs';
import { summaryTable } from './summary-table.mjs';
import { runZstdBench } from './zstd-bench.mjs';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;

const results = {};
if (!only || only === 'check') results.check = await runCheckBench({ runs });
if (!only || only === 'in') results.in = await runInBench({ runs });
if (!only || only === 'zstd') results.zstd = await runZstdBench({ runs });
if ((!only || only === 'out') && existsSync(new URL('./out-bench.mjs', import.meta.url))) {
  const { runOutBench } = await import('./out-bench.mjs');
  results.out = await runOutBench({ runs });
}
if (!only || only === 'load') results.load = await runLoadBench();
console.log(JSON.stringify(results, (k, v) => (k === 'samples' ? undefined : v), 2));
console.log(`\n${summaryTable(results)}`);
