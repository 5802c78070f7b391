/**
 * Fuzzed requests against the real processes, bin/check, bin/in and bin/out (ten each;
 * thousands run in-process in test/unit/fuzz/): exit 1, nothing on stdout, exactly one line
 * `<step>: …` and it is the last line on stderr, no stack trace — or, for a request that can
 * succeed without a registry, exit 0 with one JSON line.
 *
 * Loopback only, as in-process: requests that parse run only when isLoopbackOnly, and the
 * processes get an environment without cloud credentials, metadata endpoints or proxies.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCheckRequest, parseInRequest, parseOutRequest } from '../../../src/main/request/request-schema';
import { cloudFreeEnv } from '../../unit/fuzz/cloud-free-env';
import { isLoopbackOnly, requestText, type StepName } from '../../unit/fuzz/request-arbitraries';
import { runBin, type RunBinResult } from '../support/run-bin';

const RUNS = 10;
const PARALLEL = 2;
const parsers: Record<StepName, (text: string) => { source: object; params?: object }> = {
  check: parseCheckRequest,
  in: parseInRequest,
  out: parseOutRequest,
};

function runnable(name: StepName, text: string): boolean {
  try {
    return isLoopbackOnly(parsers[name](text));
  } catch {
    return true; // refused by the parser: nothing is contacted
  }
}

describe('bin/check, bin/in and bin/out under fuzzed requests', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fuzz-bins-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const name of ['check', 'in', 'out'] as const) {
    it(`${name}: ${RUNS} fuzzed requests, each one JSON line or exit 1 with one readable last line`, async () => {
      const texts = fc
        .sample(requestText(name), { numRuns: RUNS * 2, seed: 20261201 + name.length })
        .filter((t) => runnable(name, t))
        .slice(0, RUNS);
      expect(texts).toHaveLength(RUNS);
      const env = cloudFreeEnv(process.env);
      const results: Array<{ text: string; result: RunBinResult }> = [];
      for (let i = 0; i < texts.length; i += PARALLEL) {
        const batch = texts.slice(i, i + PARALLEL);
        results.push(
          ...(await Promise.all(
            batch.map(async (text) => ({
              text,
              result: await runBin(name, text, { args: [dir], env, inheritEnv: false, timeoutMs: 20_000 }),
            })),
          )),
        );
      }
      for (const { text, result } of results) {
        const context = `request ${JSON.stringify(text)} → exit ${result.code}\n${result.stderr}`;
        expect(result.stderr, context).not.toMatch(/^\s+at /m);
        if (result.code === 0) {
          expect(result.stdout, context).toMatch(/^[^\n]+\n$/);
          continue;
        }
        expect(result.code, context).toBe(1);
        expect(result.stdout, context).toBe('');
        const lines = result.stderr.trimEnd().split('\n');
        expect(
          lines.filter((l) => l.startsWith(`${name}: `)),
          context,
        ).toHaveLength(1);
        expect(lines.at(-1), context).toMatch(new RegExp(`^${name}: \\S`));
        expect(result.stderr, context).not.toMatch(/unexpected error/);
      }
    });
  }
});
