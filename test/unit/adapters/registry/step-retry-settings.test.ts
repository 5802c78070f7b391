import { describe, expect, it } from 'vitest';
import { NetworkError, RegistryError } from '../../../../src/ports/registry-errors';
import { ResourceError } from '../../../../src/domain/errors';
import {
  DEFAULT_RETRY,
  parseRetryAfter,
  RetryPolicy,
  stepBackoffDelay,
  TransientFailure,
  type RetrySettings,
} from '../../../../src/adapters/registry/retry-policy';
import { retrySettingsFor, STEP_RETRY } from '../../../../src/adapters/registry/step-retry-settings';
import { classifyTransportError } from '../../../../src/adapters/registry/transport-error';
import { fakeRetryClock } from './fake-retry-clock';
import { memoryLogger } from './support';

/** 2026-12-01T09:00:00Z: the step's start in these tests. */
const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const rateLimited = (retryAfterMs?: number): TransientFailure =>
  new TransientFailure(
    'HTTP 429 (TOOMANYREQUESTS: slow down)',
    new RegistryError('fetching manifest v1 of r.example/app failed: HTTP 429 (TOOMANYREQUESTS: slow down)'),
    retryAfterMs,
    429,
  );
const unavailable = (): TransientFailure =>
  new TransientFailure('HTTP 503', new RegistryError('fetching x failed: HTTP 503'), undefined, 503);

/** A connection failure as the retry schedule sees it. */
function connectionFailure(error: Error): TransientFailure {
  const failure = classifyTransportError(error);
  return new TransientFailure(
    failure.message,
    new NetworkError(failure.kind, `fetching x failed: ${failure.message}`, { cause: failure }),
  );
}

function policyFor(settings: RetrySettings, random = 0.5, now = T0) {
  const clock = fakeRetryClock(random, now);
  const logger = memoryLogger();
  return { clock, logger, policy: new RetryPolicy(settings, logger, clock) };
}

/** Runs `failures` in turn (one per try), then succeeds; returns the number of tries. */
async function runThrough(policy: RetryPolicy, failures: readonly TransientFailure[]): Promise<number> {
  let tries = 0;
  await policy.run('fetching manifest v1 of r.example/app', () => {
    const failure = failures[tries++];
    return failure ? Promise.reject(failure) : Promise.resolve();
  });
  return tries;
}

describe('step retry settings', () => {
  it('give in and out the Go schedule (5 s × 1.5 up to 5 min, ±50 %, one hour) from the step start', () => {
    for (const step of ['in', 'out'] as const) {
      expect(retrySettingsFor(step, {}, T0)).toEqual({
        ...DEFAULT_RETRY,
        stepBudget: {
          initialIntervalMs: 5_000,
          multiplier: 1.5,
          maxIntervalMs: 5 * MINUTE,
          randomization: 0.5,
          budgetMs: HOUR,
          startedAtMs: T0,
        },
      });
    }
  });

  it('leave check on the short per-request policy, as Go’s check has no long retry', () => {
    expect(retrySettingsFor('check', { TEST: 'true' }, T0)).toEqual(DEFAULT_RETRY);
  });

  it('start at 5 ms with TEST=true, as Go does for its suites', () => {
    expect(retrySettingsFor('in', { TEST: 'true' }, T0).stepBudget?.initialIntervalMs).toBe(5);
    expect(retrySettingsFor('in', { TEST: '1' }, T0).stepBudget?.initialIntervalMs).toBe(5_000);
  });

  it('count the budget from when they are made by default (the step start)', () => {
    const before = Date.now();
    const startedAt = retrySettingsFor('out', {}).stepBudget?.startedAtMs ?? 0;
    expect(startedAt).toBeGreaterThanOrEqual(before);
    expect(startedAt).toBeLessThanOrEqual(Date.now());
  });
});

describe('step backoff schedule', () => {
  const step = { ...STEP_RETRY, startedAtMs: T0 };

  it('grows the interval by 1.5 from 5 s and caps it at 5 min', () => {
    const intervals = Array.from({ length: 14 }, (_, i) => stepBackoffDelay(i + 1, step, () => 0.5));
    expect(intervals.slice(0, 5)).toEqual([5_000, 7_500, 11_250, 16_875, 25_313]);
    expect(intervals[10]).toBe(288_325);
    expect(intervals.slice(11)).toEqual([300_000, 300_000, 300_000]);
  });

  it('randomizes each wait within ±50 % of the interval', () => {
    expect(stepBackoffDelay(1, step, () => 0)).toBe(2_500);
    expect(stepBackoffDelay(1, step, () => 1)).toBe(7_500);
    expect(stepBackoffDelay(20, step, () => 0)).toBe(150_000);
    expect(stepBackoffDelay(20, step, () => 1)).toBe(450_000);
  });
});

describe('retry policy with a step budget', () => {
  const settings = retrySettingsFor('in', {}, T0);

  it('waits out a rate limit on the step schedule until the hour is spent, then gives up', async () => {
    const { policy, clock, logger } = policyFor(settings);
    const error = await policy
      .run('fetching manifest v1 of r.example/app', () => Promise.reject(rateLimited()))
      .catch((e: unknown) => e);
    expect(clock.slept.slice(0, 4)).toEqual([5_000, 7_500, 11_250, 16_875]);
    expect(Math.max(...clock.slept)).toBe(300_000);
    // The last wait is cut to the budget's end, so not a millisecond past the hour is spent waiting.
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBe(HOUR);
    expect(clock.slept.at(-1)).toBeLessThan(300_000);
    expect(error).toBeInstanceOf(ResourceError);
    expect((error as ResourceError).message).toBe(
      `fetching manifest v1 of r.example/app failed: HTTP 429 (TOOMANYREQUESTS: slow down) (after ${clock.slept.length + 1} attempts; the step's 1h retry budget is spent)`,
    );
    expect(logger.warnings).toHaveLength(clock.slept.length);
    expect(logger.warnings[0]).toBe(
      "fetching manifest v1 of r.example/app: HTTP 429 (TOOMANYREQUESTS: slow down); retrying in 5.0s (attempt 2; 1h of the step's 1h retry budget left)",
    );
    expect(logger.warnings[12]).toMatch(
      /; retrying in 5m \(attempt 14; 4\dm\d+s of the step's 1h retry budget left\)$/,
    );
    expect(logger.warnings.every((w) => !w.includes('\n'))).toBe(true);
  });

  it('with TEST=true waits 5 ms, then 8 ms', async () => {
    const { policy, clock } = policyFor(retrySettingsFor('out', { TEST: 'true' }, T0));
    expect(await runThrough(policy, [rateLimited(), rateLimited()])).toBe(3);
    expect(clock.slept).toEqual([5, 8]);
  });

  it('honours Retry-After in seconds instead of the backoff, one line per wait', async () => {
    const { policy, clock, logger } = policyFor(settings);
    expect(await runThrough(policy, [rateLimited(1_000), rateLimited(1_000), rateLimited(1_000)])).toBe(4);
    expect(clock.slept).toEqual([1_000, 1_000, 1_000]);
    expect(logger.warnings).toEqual([
      "fetching manifest v1 of r.example/app: HTTP 429 (TOOMANYREQUESTS: slow down); retrying in 1.0s as Retry-After asks (attempt 2; 1h of the step's 1h retry budget left)",
      expect.stringContaining('retrying in 1.0s as Retry-After asks (attempt 3; '),
      expect.stringContaining('retrying in 1.0s as Retry-After asks (attempt 4; '),
    ]);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const { policy, clock } = policyFor(settings);
    const retryAfter = parseRetryAfter(new Date(T0 + 90_000).toUTCString(), T0);
    expect(await runThrough(policy, [rateLimited(retryAfter)])).toBe(2);
    expect(clock.slept).toEqual([90_000]);
  });

  it('fails at once when Retry-After lies beyond the budget, naming the reset time in UTC and seconds', async () => {
    // The step started 58 minutes ago; the registry wants two hours.
    const { policy, clock, logger } = policyFor(settings, 0.5, T0 + 58 * MINUTE);
    let tries = 0;
    const error = await policy
      .run('fetching manifest v1 of r.example/app', () => (tries++, Promise.reject(rateLimited(2 * HOUR))))
      .catch((e: unknown) => e);
    expect(tries).toBe(1);
    expect(clock.slept).toEqual([]);
    expect(logger.warnings).toEqual([]);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as ResourceError).message).toBe(
      'fetching manifest v1 of r.example/app failed: HTTP 429 (TOOMANYREQUESTS: slow down); the rate limit resets at 2026-12-01T11:58:00Z (in 7200 s), beyond the retry budget (2m left)',
    );
  });

  it('counts the budget from the step start, shared by every operation of the step', async () => {
    const { policy, clock } = policyFor(settings, 0.5, T0 + HOUR - 2_000);
    const error = await policy.run('x', () => Promise.reject(rateLimited())).catch((e: unknown) => e);
    expect(clock.slept).toEqual([2_000]);
    expect((error as Error).message).toMatch(/\(after 2 attempts; the step's 1h retry budget is spent\)$/);
    // A later operation of the same step finds the budget already spent.
    const later = await policy.run('y', () => Promise.reject(rateLimited())).catch((e: unknown) => e);
    expect(clock.slept).toEqual([2_000]);
    expect((later as Error).message).toMatch(/\(after 1 attempts; the step's 1h retry budget is spent\)$/);
  });

  it('waits out dropped connections (ECONNRESET, premature close) on the step schedule too', async () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const premature = Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    const failures = [connectionFailure(reset), connectionFailure(premature)];
    expect(failures.map((f) => f.kind)).toEqual(['dropped-connection', 'dropped-connection']);
    const { policy, clock } = policyFor(settings);
    expect(await runThrough(policy, failures)).toBe(3);
    expect(clock.slept).toEqual([5_000, 7_500]);
  });

  it('keeps the short per-request policy for server errors and refused connections', async () => {
    const refused = connectionFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(refused.kind).toBe('other');
    const { policy, clock } = policyFor(settings);
    const error = await policy.run('x', () => Promise.reject(unavailable())).catch((e: unknown) => e);
    expect(clock.slept).toEqual([375, 750, 1_500, 3_000]);
    expect((error as Error).message).toBe('fetching x failed: HTTP 503 (after 5 attempts)');
  });

  it('gives server errors their attempts afresh after a rate-limit wait', async () => {
    const { policy, logger } = policyFor(settings);
    const fourErrors = Array.from({ length: 4 }, unavailable);
    expect(await runThrough(policy, [...fourErrors, rateLimited(), ...fourErrors])).toBe(10);
    expect(logger.warnings[5]).toMatch(/HTTP 503; retrying in 0\.4s \(attempt 7\/10\)$/);
  });

  it('without a step budget (check) treats a rate limit like any transient failure', async () => {
    const { policy, clock } = policyFor(retrySettingsFor('check', {}, T0));
    const error = await policy.run('x', () => Promise.reject(rateLimited())).catch((e: unknown) => e);
    expect(clock.slept).toEqual([375, 750, 1_500, 3_000]);
    expect((error as Error).message).toMatch(/\(after 5 attempts\)$/);
  });
});
