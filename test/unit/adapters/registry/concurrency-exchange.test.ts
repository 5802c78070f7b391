import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConcurrencyExchange } from '../../../../src/adapters/registry/concurrency-exchange';
import { connectionReset, FakeExchange, request } from './fake-exchange';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyExchange', () => {
  it('keeps at most `size` exchanges in flight, each until its body has closed', async () => {
    const bodies: PassThrough[] = [];
    const inner = new FakeExchange(() => {
      const body = new PassThrough();
      bodies.push(body);
      return { status: 200, body };
    });
    const bounded = new ConcurrencyExchange(inner, 2);
    const pending = Array.from({ length: 5 }, () => bounded.exchange(request('https://registry.test/v2/')));
    await tick();
    expect(inner.requests).toHaveLength(2);
    expect(bounded.inUse).toBe(2);

    // An answer whose body is still open holds its slot; ending it lets the next one in.
    const first = await pending[0];
    expect(inner.requests).toHaveLength(2);
    first?.body.resume();
    bodies[0]?.end();
    await tick();
    expect(inner.requests).toHaveLength(3);

    // A destroyed body gives its slot back too.
    (await pending[1])?.body.destroy();
    await tick();
    expect(inner.requests).toHaveLength(4);

    for (let i = 2; i < 5; i++) {
      const answer = await pending[i];
      answer?.body.resume();
      bodies[i]?.end();
      await tick();
    }
    expect(inner.requests).toHaveLength(5);
    expect(bounded.inUse).toBe(0);
  });

  it('gives the slot back at once when the exchange fails', async () => {
    const inner = new FakeExchange((_r, i) => (i === 0 ? connectionReset() : { status: 200 }));
    const bounded = new ConcurrencyExchange(inner, 1);
    await expect(bounded.exchange(request('https://registry.test/v2/'))).rejects.toThrow('ECONNRESET');
    expect(bounded.inUse).toBe(0);
    const answer = await bounded.exchange(request('https://registry.test/v2/'));
    expect(answer.status).toBe(200);
  });
});
