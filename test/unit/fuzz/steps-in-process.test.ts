/**
 * Fuzzed requests against the three steps, in-process through executeStep (the entrypoints'
 * own logic without the process): every outcome is either exit 0 with one JSON line on stdout
 * and nothing on stderr, or exit 1 with nothing on stdout and exactly one readable line on
 * stderr, `<step>: <message>` — never a stack trace, never an "unexpected error".
 *
 * Nothing leaves loopback: requests that parse run only when every network-facing field names
 * 127.0.0.1 on a closed port and no cloud provider is switched on (isLoopbackOnly), and the
 * environment holds no cloud credentials or metadata endpoints. Log lines the step writes to
 * process.stderr meanwhile are collected and held to the same rules.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeStep, type Step } from '../../../src/main/run-entrypoint';
import { parseCheckRequest, parseInRequest, parseOutRequest } from '../../../src/main/request/request-schema';
import { checkStep } from '../../../src/main/steps/check-step';
import { inStep } from '../../../src/main/steps/in-step';
import { outStep } from '../../../src/main/steps/out-step';
import { CLOSED_PORT, isLoopbackOnly, requestText, type StepName } from './request-arbitraries';
import { withCloudFreeEnv } from './cloud-free-env';

const RUNS = 1_000;
const steps: Record<StepName, { step: Step; parse: (text: string) => { source: object; params?: object } }> = {
  check: { step: checkStep, parse: parseCheckRequest },
  in: { step: inStep, parse: parseInRequest },
  out: { step: outStep, parse: parseOutRequest },
};

function parses(parse: (text: string) => { source: object; params?: object }, text: string) {
  try {
    return parse(text);
  } catch {
    return undefined;
  }
}

/** Runs `work` with process.stderr.write collecting into the returned text instead. */
async function collectingStderr<T>(work: () => Promise<T>): Promise<[T, string]> {
  let logged = '';
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logged += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const callback = rest.find((r): r is () => void => typeof r === 'function');
    callback?.();
    return true;
  }) as typeof process.stderr.write;
  try {
    return [await work(), logged];
  } finally {
    process.stderr.write = original;
  }
}

describe('steps in-process under fuzzed requests', () => {
  withCloudFreeEnv();
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fuzz-steps-'));
    // The port the generated requests name must really be closed.
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect(CLOSED_PORT, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(false)));
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, { step, parse }] of Object.entries(steps) as Array<[StepName, (typeof steps)[StepName]]>) {
    it(`${name}: ${RUNS} fuzzed requests end in one JSON response or one readable failure line`, async () => {
      const tally = { ran: 0, succeeded: 0, skipped: 0, networked: 0 };
      await fc.assert(
        fc.asyncProperty(requestText(name), async (text) => {
          const request = parses(parse, text);
          if (request !== undefined && !isLoopbackOnly(request)) {
            tally.skipped++;
            return;
          }
          if (request !== undefined) tally.networked++;
          tally.ran++;
          const [outcome, logged] = await collectingStderr(() => executeStep(name, step, { stdin: text, args: [dir] }));
          expect(logged).not.toMatch(/^\s+at /m);
          if (outcome.code === 0) {
            tally.succeeded++;
            expect(outcome.stderr).toBe('');
            expect(outcome.stdout).toMatch(/^[^\n]+\n$/);
            expect(() => JSON.parse(outcome.stdout) as unknown).not.toThrow();
            return;
          }
          expect(outcome.code).toBe(1);
          expect(outcome.stdout).toBe('');
          expect(outcome.stderr).toMatch(new RegExp(`^${name}: \\S[^\\n]*\\n$`));
          expect(outcome.stderr).not.toMatch(/unexpected error/);
        }),
        { numRuns: RUNS },
      );
      // Most cases really ran the step, and a fair share got past the parser to the (closed) registry.
      expect(tally.ran).toBeGreaterThan(RUNS * 0.8);
      expect(tally.networked).toBeGreaterThan(RUNS / 20);
      console.log(`${name}: ${JSON.stringify(tally)}`);
    });
  }
});
