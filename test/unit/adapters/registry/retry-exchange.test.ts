import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RetryExchange } from '../../../../src/adapters/registry/retry-exchange';
import { RetryPolicy } from '../../../../src/adapters/registry/retry-policy';
import { NetworkError, RegistryError } from '../../../../src/ports/registry-errors';
import { memoryLogger } from '../../../support/memory-logger';
import { fakeRetryClock } from './fake-retry-clock';
import { context, errors, FakeExchange, request, type Script } from './fake-exchange';
import { NetworkErrorExchange } from '../../../../src/adapters/registry/network-error-exchange';
import { readBody } from '../../../../src/adapters/registry/http-body';

const MANIFEST = 'https://registry.test/v2/team/app/manifests/v1';

function retrying(script: Script, attempts = 3) {
  const logger = memoryLogger();
  const clock = fakeRetryClock();
  const inner = new FakeExchange(script);
  const policy = new RetryPolicy({ attempts, baseDelayMs: 100, maxDelayMs: 1000, totalMs: 60_000 }, logger, clock);
  // The network layer under it, so failures arrive as they do in the stack.
  const exchange = new RetryExchange(new NetworkErrorExchange(inner, () => false), policy);
  return { exchange, inner, logger, clock };
}

describe('RetryExchange', () => {
  it('retries a 503 as the registry asks (Retry-After) and returns the answer that follows', async () => {
    const { exchange, inner, logger, clock } = retrying((_r, i) =>
      i === 0
        ? { status: 503, headers: { 'retry-after': '2' }, body: errors({ code: 'UNAVAILABLE' }) }
        : { status: 200 },
    );
    expect((await exchange.exchange(request(MANIFEST))).status).toBe(200);
    expect(inner.requests).toHaveLength(2);
    expect(clock.slept).toEqual([2000]);
    expect(logger.warnings).toEqual([
      'fetching manifest v1 of registry.test/team/app: HTTP 503 (UNAVAILABLE); retrying in 2.0s as Retry-After asks (attempt 2/3)',
    ]);
  });

  it('gives up with a RegistryError carrying the facts, no longer temporary', async () => {
    const { exchange, inner } = retrying(() => ({ status: 500, body: errors({ code: 'UNKNOWN', message: 'boom' }) }));
    const error: unknown = await exchange.exchange(request(MANIFEST)).catch((e: unknown) => e);
    expect(inner.requests).toHaveLength(3);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({
      message: 'fetching manifest v1 of registry.test/team/app failed: HTTP 500 (UNKNOWN: boom) (after 3 attempts)',
      method: 'GET',
      url: MANIFEST,
      status: 500,
      diagnostics: [{ code: 'UNKNOWN', message: 'boom' }],
      temporary: false,
    });
  });

  it('retries a dropped connection and keeps the NetworkError class when it gives up', async () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const { exchange, inner } = retrying(() => reset, 2);
    const error: unknown = await exchange.exchange(request(MANIFEST)).catch((e: unknown) => e);
    expect(inner.requests).toHaveLength(2);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ kind: 'reset', temporary: false });
  });

  it('sends a streamed body once: the caller retries the whole upload', async () => {
    const { exchange, inner } = retrying(() => ({ status: 503 }));
    const body = Readable.from([Buffer.from('layer')]);
    const error: unknown = await exchange.exchange(request(MANIFEST, { method: 'PUT', body })).catch((e: unknown) => e);
    expect(inner.requests).toHaveLength(1);
    expect(error).toMatchObject({ status: 503, temporary: true });
  });

  it('sends a request marked `once` once', async () => {
    const { exchange, inner } = retrying(() => ({ status: 502 }));
    await expect(exchange.exchange(request(MANIFEST, { context: context({ once: true }) }))).rejects.toMatchObject({
      status: 502,
      temporary: true,
    });
    expect(inner.requests).toHaveLength(1);
  });

  it('does not retry an answer that will not change (404)', async () => {
    const { exchange, inner } = retrying(() => ({ status: 404 }));
    expect((await exchange.exchange(request(MANIFEST))).status).toBe(404);
    expect(inner.requests).toHaveLength(1);
  });

  it('reads a buffered body inside the attempt, so a body cut short is fetched again', async () => {
    const { exchange, inner } = retrying((_r, i) => {
      if (i > 0) return { status: 200, body: '{"tags":[]}' };
      const cut = new Readable({ read() {} });
      cut.push('{"ta');
      setImmediate(() => cut.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
      return { status: 200, body: cut };
    });
    const buffered = context({ buffer: { limit: 1024, when: (status) => status === 200 } });
    const response = await exchange.exchange(request(MANIFEST, { context: buffered }));
    expect((await readBody(response, 1024)).toString()).toBe('{"tags":[]}');
    expect(inner.requests).toHaveLength(2);
  });
});
