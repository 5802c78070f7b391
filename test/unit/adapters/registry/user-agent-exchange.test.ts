import { describe, expect, it } from 'vitest';
import { UserAgentExchange } from '../../../../src/adapters/registry/user-agent-exchange';
import { FakeExchange } from './fake-exchange';

describe('UserAgentExchange', () => {
  it('names us on every request and keeps the other headers', async () => {
    const inner = new FakeExchange(() => ({ status: 200 }));
    await new UserAgentExchange(inner, 'registry-image-test/1').exchange({
      method: 'GET',
      url: new URL('https://registry.test/v2/'),
      headers: { Accept: 'application/json' },
    });
    expect(inner.requests[0]?.headers).toEqual({ Accept: 'application/json', 'User-Agent': 'registry-image-test/1' });
  });

  it("leaves a caller's own User-Agent alone, whatever its case", async () => {
    const inner = new FakeExchange(() => ({ status: 200 }));
    await new UserAgentExchange(inner, 'ours').exchange({
      method: 'GET',
      url: new URL('https://registry.test/v2/'),
      headers: { 'user-agent': 'theirs' },
    });
    expect(inner.requests[0]?.headers).toEqual({ 'user-agent': 'theirs' });
  });
});
