import { describe, expect, it } from 'vitest';
import { DistributionRegistry } from '../../../../src/adapters/registry/registry-client';
import type { RegistryClientOptions } from '../../../../src/adapters/registry/registry-client-options';
import { NotFoundError, RegistryError } from '../../../../src/ports/registry-errors';
import { memoryLogger } from '../../../support/memory-logger';
import { StaticCredentialsAuth } from '../../../support/static-credentials-auth';
import { errors, FakeExchange, type Answer, type Script } from './fake-exchange';

const ALICE = `Basic ${Buffer.from('alice:pw').toString('base64')}`;
const repo = { registry: 'registry.test', path: 'team/app' };

/** The whole stack over a swapped-in innermost exchange: no sockets at all. */
function client(script: Script, options: Partial<RegistryClientOptions> = {}) {
  const inner = new FakeExchange(script);
  const logger = memoryLogger();
  const registry = new DistributionRegistry({
    auth: new StaticCredentialsAuth({ 'registry.test': { username: 'alice', password: 'pw' } }),
    logger,
    userAgent: 'stack-test/1',
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1, totalMs: 10_000 },
    transport: inner,
    ...options,
  });
  return { registry, inner, logger };
}

describe('the registry transport stack', () => {
  it('runs every request through each layer down to the swapped-in transport', async () => {
    const { registry, inner, logger } = client((r, i): Answer => {
      if (r.url.pathname === '/v2/') return { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } };
      if (r.headers?.Authorization !== ALICE) return { status: 401 };
      if (i === 1) return { status: 503 };
      return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"tags":["v1","v2"]}' };
    });
    expect(await registry.listTags(repo)).toEqual(['v1', 'v2']);
    expect(inner.lines).toEqual([
      'GET https://registry.test/v2/',
      'GET https://registry.test/v2/team/app/tags/list?n=1000',
      'GET https://registry.test/v2/team/app/tags/list?n=1000',
    ]);
    expect(inner.requests.every((r) => r.headers?.['User-Agent'] === 'stack-test/1')).toBe(true);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.lines.filter((l) => l.startsWith('DEBUG GET'))).toHaveLength(3);
    expect(registry.slotsInUse).toBe(0);
    registry.close();
  });

  it("hands the operation the registry's facts: status, diagnostics, method and URL", async () => {
    const { registry } = client((r) =>
      r.url.pathname === '/v2/'
        ? { status: 200 }
        : { status: 404, body: errors({ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }) },
    );
    const blob = { digest: `sha256:${'a'.repeat(64)}`, size: 3 };
    const open = (): never => {
      throw new Error('not reached: the upload session was refused');
    };
    const error: unknown = await registry.pushBlob(repo, blob, { open }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({
      message: `pushing blob ${blob.digest} to registry.test/team/app failed: HTTP 404 NAME_UNKNOWN: repository name not known to registry`,
      method: 'POST',
      url: 'https://registry.test/v2/team/app/blobs/uploads/',
      status: 404,
      diagnostics: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }],
      temporary: false,
    });
    await expect(registry.getBlob(repo, blob)).rejects.toBeInstanceOf(RegistryError);
  });
});
