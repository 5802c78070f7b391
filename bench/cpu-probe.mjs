// `node --import ./bench/cpu-probe.mjs …`: at exit, appends one JSON line to $CPU_PROBE_OUT with the
// process's CPU time (user + system, ms) and peak RSS (KiB). CPU time, not wall time, because the
// bench machine is shared: other processes stretch wall time but not the CPU this one spends.
import { appendFileSync } from 'node:fs';

const out = process.env.CPU_PROBE_OUT;
if (out) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    const { maxRSS } = process.resourceUsage();
    appendFileSync(out, `${JSON.stringify({ cpuMs: (user + system) / 1000, maxRssKiB: maxRSS })}\n`);
  });
}
