import { describe, expect, it } from 'vitest';
import { RateLimitExhaustedError, RateLimitGuard } from '../../../../src/adapters/registry/rate-limit-guard';
import { DEFAULT_RETRY, type RetrySettings } from '../../../../src/adapters/registry/retry-policy';
import { memoryLogger } from '../../../support/memory-logger';

const START = Date.parse('2026-12-01T10:00:00Z');
const HUB = 'registry-1.docker.io';

function setup(retry: RetrySettings = stepRetry()) {
  const logger = memoryLogger();
  let now = START;
  const sleeps: number[] = [];
  const clock = {
    now: () => now,
    sleep: (ms: number) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
  const guard = new RateLimitGuard(logger, retry, clock);
  return { guard, logger, sleeps, advance: (ms: number) => (now += ms) };
}

function stepRetry(budgetMs = 60 * 60_000): RetrySettings {
  return {
    ...DEFAULT_RETRY,
    stepBudget: {
      initialIntervalMs: 5000,
      multiplier: 1.5,
      maxIntervalMs: 300_000,
      randomization: 0.5,
      budgetMs,
      startedAtMs: START,
    },
  };
}

const budget = (remaining: number, window = 21600, extra: Record<string, string> = {}) => ({
  'ratelimit-limit': `100;w=${window}`,
  'ratelimit-remaining': `${remaining};w=${window}`,
  'docker-ratelimit-source': '1.2.3.4',
  ...extra,
});

describe('RateLimitGuard', () => {
  it('logs the budget once per registry, with the window and the counted source', () => {
    const { guard, logger } = setup();
    guard.observe(HUB, budget(87));
    guard.observe(HUB, budget(86));
    guard.observe('mirror.example:5000', { 'ratelimit-limit': '10;w=60', 'ratelimit-remaining': '9;w=60' });
    guard.observe('plain.example', {});
    expect(logger.lines).toEqual([
      'Docker Hub rate limit: 87 of 100 pulls left per 6h (source 1.2.3.4)',
      'rate limit of mirror.example:5000: 9 of 10 pulls left per 60s',
    ]);
  });

  it('lets requests through while pulls are left, and HEADs and blobs always', async () => {
    const { guard, sleeps } = setup();
    await guard.beforeRequest(HUB, 'GET', 'manifests/latest', 'fetching');
    guard.observe(HUB, budget(1));
    await guard.beforeRequest(HUB, 'GET', 'manifests/latest', 'fetching');
    guard.observe(HUB, budget(0));
    await guard.beforeRequest(HUB, 'HEAD', 'manifests/latest', 'checking');
    await guard.beforeRequest(HUB, 'GET', `blobs/sha256:${'a'.repeat(64)}`, 'fetching blob');
    await guard.beforeRequest('other.example', 'GET', 'manifests/latest', 'fetching');
    expect(sleeps).toEqual([]);
  });

  it('waits out the window before a manifest GET once none is left, then goes on', async () => {
    const { guard, logger, sleeps, advance } = setup();
    guard.observe(HUB, budget(0, 30));
    advance(10_000);
    await guard.beforeRequest(HUB, 'GET', 'manifests/sha256:abc', 'fetching manifest sha256:abc of docker.io/x');
    expect(sleeps).toEqual([20_000]);
    expect(logger.warnings).toEqual([
      'Docker Hub rate limit: 0 of 100 pulls left per 30s; waiting 20s until 2026-12-01T10:00:30Z before fetching manifest sha256:abc of docker.io/x (59m50s of the retry budget left)',
    ]);
    // The wait is spent: the next GET goes at once until an answer states another empty budget.
    await guard.beforeRequest(HUB, 'GET', 'manifests/sha256:def', 'fetching');
    expect(sleeps).toHaveLength(1);
  });

  it('prefers ratelimit-reset to the whole window', async () => {
    const { guard, sleeps } = setup();
    guard.observe(HUB, budget(0, 21600, { 'ratelimit-reset': '90' }));
    await guard.beforeRequest(HUB, 'GET', 'manifests/latest', 'fetching');
    expect(sleeps).toEqual([90_000]);
  });

  it('fails at once, naming when the window frees pulls, when that is beyond the step budget', async () => {
    const { guard, sleeps, advance } = setup();
    guard.observe(HUB, budget(0));
    advance(60_000);
    const attempt = guard.beforeRequest(
      HUB,
      'GET',
      'manifests/latest',
      'fetching manifest latest of docker.io/library/a',
    );
    await expect(attempt).rejects.toThrow(RateLimitExhaustedError);
    await expect(attempt).rejects.toThrow(
      'fetching manifest latest of docker.io/library/a needs a pull, but Docker Hub rate limit: 0 of 100 pulls left per 6h; the window frees pulls at 2026-12-01T16:00:00Z (in 21540 s), beyond the retry budget (59m left)',
    );
    expect(sleeps).toEqual([]);
  });

  it('gives check (no step budget) only its per-operation budget to wait', async () => {
    const { guard, sleeps } = setup(DEFAULT_RETRY);
    guard.observe(HUB, budget(0, 60));
    await guard.beforeRequest(HUB, 'GET', 'manifests/a', 'fetching');
    expect(sleeps).toEqual([60_000]);
    guard.observe(HUB, budget(0, 600));
    await expect(guard.beforeRequest(HUB, 'GET', 'manifests/b', 'fetching')).rejects.toThrow('beyond the retry budget');
  });
});
