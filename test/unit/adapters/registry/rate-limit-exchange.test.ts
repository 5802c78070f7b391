import { describe, expect, it } from 'vitest';
import { RateLimitExchange } from '../../../../src/adapters/registry/rate-limit-exchange';
import { RateLimitExhaustedError, RateLimitGuard } from '../../../../src/adapters/registry/rate-limit-guard';
import { DEFAULT_RETRY } from '../../../../src/adapters/registry/retry-policy';
import { RegistryError } from '../../../../src/ports/registry-errors';
import { memoryLogger } from '../../../support/memory-logger';
import { FakeExchange, request } from './fake-exchange';

const HUB = 'https://registry-1.docker.io/v2/library/alpine';
const SPENT = { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '0;w=21600' };

function rateLimited() {
  const logger = memoryLogger();
  const inner = new FakeExchange(() => ({ status: 200, headers: SPENT }));
  const guard = new RateLimitGuard(logger, DEFAULT_RETRY, { now: () => 0, sleep: () => Promise.resolve() });
  return { exchange: new RateLimitExchange(inner, guard), inner, logger };
}

describe('RateLimitExchange', () => {
  it('logs the budget a registry states, once per registry', async () => {
    const { exchange, logger } = rateLimited();
    await exchange.exchange(request(`${HUB}/blobs/sha256:abc`, { method: 'HEAD' }));
    await exchange.exchange(request(`${HUB}/blobs/sha256:abc`, { method: 'HEAD' }));
    expect(logger.lines).toEqual(['Docker Hub rate limit: 0 of 100 pulls left per 6h']);
  });

  it('stops a manifest GET before it is sent once no pull is left and none frees within the budget', async () => {
    const { exchange, inner } = rateLimited();
    await exchange.exchange(request(`${HUB}/manifests/3.20`, { method: 'HEAD' }));
    const error: unknown = await exchange.exchange(request(`${HUB}/manifests/3.20`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitExhaustedError);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toMatch(
      /^fetching manifest v1 of registry.test\/team\/app needs a pull, but Docker Hub rate limit: 0 of 100 pulls left per 6h/,
    );
    expect(inner.requests).toHaveLength(1);
  });

  it('lets blob GETs through: they do not count as pulls', async () => {
    const { exchange, inner } = rateLimited();
    await exchange.exchange(request(`${HUB}/manifests/3.20`, { method: 'HEAD' }));
    await exchange.exchange(request(`${HUB}/blobs/sha256:abc`));
    expect(inner.requests).toHaveLength(2);
  });
});
