import { describe, expect, it } from 'vitest';
import { parseRateLimitHeaders } from '../../../../src/adapters/registry/rate-limit-headers';

describe('parseRateLimitHeaders', () => {
  it("reads Docker Hub's limit, remaining, window and source", () => {
    expect(
      parseRateLimitHeaders({
        'ratelimit-limit': '100;w=21600',
        'ratelimit-remaining': '87;w=21600',
        'docker-ratelimit-source': '1.2.3.4',
      }),
    ).toEqual({ limit: 100, remaining: 87, windowSeconds: 21600, source: '1.2.3.4' });
  });

  it('takes the window from either header, and ratelimit-reset when sent', () => {
    expect(
      parseRateLimitHeaders({ 'ratelimit-limit': '200;w=3600', 'ratelimit-remaining': '0', 'ratelimit-reset': '42' }),
    ).toEqual({ limit: 200, remaining: 0, windowSeconds: 3600, resetSeconds: 42 });
    expect(parseRateLimitHeaders({ 'ratelimit-limit': '5', 'ratelimit-remaining': ' 4 ; w=60' })).toMatchObject({
      remaining: 4,
      windowSeconds: 60,
    });
  });

  it.each([
    [{}],
    [{ 'ratelimit-limit': '100;w=21600' }],
    [{ 'ratelimit-limit': 'lots;w=21600', 'ratelimit-remaining': '1;w=21600' }],
    [{ 'ratelimit-limit': '100', 'ratelimit-remaining': '1' }],
    [{ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '-1;w=21600' }],
  ])('ignores incomplete or malformed headers %j', (headers) => {
    expect(parseRateLimitHeaders(headers)).toBeUndefined();
  });
});
