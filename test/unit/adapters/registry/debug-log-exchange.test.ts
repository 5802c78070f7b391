import { describe, expect, it } from 'vitest';
import { DebugLogExchange } from '../../../../src/adapters/registry/debug-log-exchange';
import { memoryLogger } from '../../../support/memory-logger';
import { FakeExchange } from './fake-exchange';

describe('DebugLogExchange', () => {
  it('logs method, URL without query or userinfo, status and time; never a header', async () => {
    const logger = memoryLogger();
    let now = 1000;
    const inner = new FakeExchange(() => {
      now += 42;
      return { status: 307 };
    });
    await new DebugLogExchange(inner, logger, () => now).exchange({
      method: 'GET',
      url: new URL('https://user:hunter2@cdn.test/blobs/sha256:abc?X-Amz-Signature=s3cr3t&token=t0k'),
      headers: { Authorization: 'Bearer t0p-s3cr3t' },
    });
    expect(logger.lines).toEqual(['DEBUG GET https://cdn.test/blobs/sha256:abc -> 307 (42 ms)']);
    expect(logger.lines.join('\n')).not.toMatch(/hunter2|s3cr3t|t0k|Bearer/);
  });

  it('logs a failed exchange and passes the failure on unchanged', async () => {
    const logger = memoryLogger();
    const failure = new Error('read ECONNRESET');
    const inner = new FakeExchange(() => failure);
    const exchange = new DebugLogExchange(inner, logger, () => 0);
    await expect(exchange.exchange({ method: 'HEAD', url: new URL('http://127.0.0.1:5000/v2/') })).rejects.toBe(
      failure,
    );
    expect(logger.lines).toEqual(['DEBUG HEAD http://127.0.0.1:5000/v2/ -> failed (0 ms)']);
  });
});
