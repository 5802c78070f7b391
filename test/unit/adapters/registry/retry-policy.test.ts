import { describe, expect, it } from 'vitest';
import { NotFoundError, RegistryError } from '../../../../src/ports/registry-errors';
import { ResourceError } from '../../../../src/domain/errors';
import {
  backoffDelay,
  isRetryableStatus,
  parseRetryAfter,
  RetryPolicy,
  TransientFailure,
} from '../../../../src/adapters/registry/retry-policy';
import { fakeRetryClock } from './fake-retry-clock';
import { memoryLogger } from './support';

const transient = (reason: string, retryAfterMs?: number): TransientFailure =>
  new TransientFailure(reason, new RegistryError(`fetching x failed: ${reason}`), retryAfterMs);

describe('retry policy', () => {
  it('classifies statuses: gateway family and 429 retry, client errors do not', () => {
    for (const s of [408, 429, 500, 502, 503, 504]) expect(isRetryableStatus(s)).toBe(true);
    for (const s of [400, 401, 403, 404, 405, 416]) expect(isRetryableStatus(s)).toBe(false);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });

  it('backs off exponentially with jitter, capped', () => {
    const settings = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000, totalMs: 1e9 };
    expect(backoffDelay(1, settings, () => 0)).toBe(50);
    expect(backoffDelay(1, settings, () => 1)).toBe(100);
    expect(backoffDelay(3, settings, () => 1)).toBe(400);
    expect(backoffDelay(8, settings, () => 1)).toBe(1000);
    expect(backoffDelay(8, settings, () => 0)).toBe(500);
  });

  it('retries transient failures, one warning per retry, then succeeds', async () => {
    const logger = memoryLogger();
    const clock = fakeRetryClock();
    const policy = new RetryPolicy({ attempts: 4, baseDelayMs: 100, maxDelayMs: 1000, totalMs: 10_000 }, logger, clock);
    let calls = 0;
    const result = await policy.run('fetching x', () => {
      calls++;
      if (calls < 3) throw transient('HTTP 503');
      return Promise.resolve('ok');
    });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(clock.slept).toEqual([75, 150]);
    expect(logger.warnings).toHaveLength(2);
    expect(logger.warnings[0]).toMatch(/^fetching x: HTTP 503; retrying in 0\.1s \(attempt 2\/4\)$/);
  });

  it('honours Retry-After instead of the backoff', async () => {
    const clock = fakeRetryClock();
    const policy = new RetryPolicy(
      { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, totalMs: 60_000 },
      memoryLogger(),
      clock,
    );
    let calls = 0;
    await policy.run('x', () => (++calls === 1 ? Promise.reject(transient('HTTP 429', 2000)) : Promise.resolve()));
    expect(clock.slept).toEqual([2000]);
  });

  it('gives up after the attempts with the last error and its code', async () => {
    const policy = new RetryPolicy(
      { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, totalMs: 60_000 },
      memoryLogger(),
      fakeRetryClock(),
    );
    let calls = 0;
    const error = await policy
      .run('x', () => (calls++, Promise.reject(transient('HTTP 502'))))
      .catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(error).toBeInstanceOf(ResourceError);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as ResourceError).message).toBe('fetching x failed: HTTP 502 (after 3 attempts)');
  });

  it('never starts a backoff wait that would overrun the time budget', async () => {
    const clock = fakeRetryClock(1);
    const policy = new RetryPolicy(
      { attempts: 10, baseDelayMs: 4_000, maxDelayMs: 60_000, totalMs: 5_000 },
      memoryLogger(),
      clock,
    );
    const error = await policy.run('x', () => Promise.reject(transient('HTTP 502'))).catch((e: unknown) => e);
    expect(clock.slept).toEqual([4000]);
    expect((error as Error).message).toMatch(/after 2 attempts; retrying in 8\.0s would exceed the 5\.0s retry budget/);
  });

  it('fails at once when Retry-After lies beyond the time budget, saying when to come back', async () => {
    const clock = fakeRetryClock();
    const policy = new RetryPolicy(
      { attempts: 10, baseDelayMs: 1, maxDelayMs: 1, totalMs: 5_000 },
      memoryLogger(),
      clock,
    );
    const error = await policy.run('x', () => Promise.reject(transient('HTTP 503', 30_000))).catch((e: unknown) => e);
    expect(clock.slept).toEqual([]);
    expect((error as Error).message).toBe(
      'fetching x failed: HTTP 503; the registry asks to retry at 1970-01-01T00:00:30Z (in 30 s), beyond the retry budget (5.0s left)',
    );
  });

  it('treats Retry-After: 0 as no wish and backs off instead of hammering', async () => {
    const clock = fakeRetryClock();
    const policy = new RetryPolicy(
      { attempts: 3, baseDelayMs: 100, maxDelayMs: 100, totalMs: 60_000 },
      memoryLogger(),
      clock,
    );
    let calls = 0;
    await policy.run('x', () => (++calls === 1 ? Promise.reject(transient('HTTP 503', 0)) : Promise.resolve()));
    expect(clock.slept).toEqual([75]);
  });

  it('does not retry permanent errors', async () => {
    const policy = new RetryPolicy(
      { attempts: 5, baseDelayMs: 1, maxDelayMs: 1, totalMs: 5_000 },
      memoryLogger(),
      fakeRetryClock(),
    );
    let calls = 0;
    const permanent = new NotFoundError('gone');
    await expect(policy.run('x', () => (calls++, Promise.reject(permanent)))).rejects.toBe(permanent);
    expect(calls).toBe(1);
  });

  it('does not start a wait that would end after the step deadline', async () => {
    const logger = memoryLogger();
    const clock = fakeRetryClock(0.5, 1000);
    const settings = { attempts: 5, baseDelayMs: 400, maxDelayMs: 400, totalMs: 1e9, deadlineAtMs: 1500 };
    let tries = 0;
    const run = new RetryPolicy(settings, logger, clock).run('fetching x', () => {
      tries++;
      return Promise.reject(transient('HTTP 503'));
    });
    // First wait 300 ms ends at 1300 (before 1500); the second, 300 ms more, would end at 1600.
    await expect(run).rejects.toMatchObject({
      message:
        'fetching x failed: HTTP 503 (after 2 attempts; the step deadline (REGISTRY_IMAGE_STEP_TIMEOUT) passes before a retry)',
    });
    expect(tries).toBe(2);
    expect(clock.slept).toEqual([300]);
  });
});
