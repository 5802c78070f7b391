import { afterEach, describe, expect, it } from 'vitest';
import { StaticCredentialsAuth } from '../../../support/static-credentials-auth';
import { DistributionRegistry } from '../../../../src/adapters/registry/registry-client';
import { json, memoryLogger, serve, type TestServer } from './support';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const servers: TestServer[] = [];
const clients: DistributionRegistry[] = [];
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function ask(status: number, contentType: string): Promise<{ answer: boolean; paths: string[] }> {
  const s = await serve((req, res) => {
    if (req.url === '/v2/') return json(res, 200, {});
    if (status === 200) return json(res, 200, { schemaVersion: 2, manifests: [] }, { 'Content-Type': contentType });
    return json(res, status, { errors: [{ code: 'NOT_FOUND' }] });
  });
  servers.push(s);
  const client = new DistributionRegistry({
    auth: new StaticCredentialsAuth({}),
    logger: memoryLogger(),
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, totalMs: 5_000 },
    timeoutMs: 2_000,
  });
  clients.push(client);
  const answer = await client.supportsReferrers({ registry: s.host, path: 'a/b' }, DIGEST);
  return { answer, paths: s.requests.filter((r) => r.url !== '/v2/').map((r) => `${r.method} ${r.url}`) };
}

describe('DistributionRegistry.supportsReferrers', () => {
  it('is true when the referrers endpoint answers an image index', async () => {
    expect(await ask(200, 'application/vnd.oci.image.index.v1+json')).toEqual({
      answer: true,
      paths: [`GET /v2/a/b/referrers/${DIGEST}`],
    });
  });

  it.each([404, 400, 405])('is false when the registry answers %i (distribution 2.8: 404)', async (status) => {
    expect((await ask(status, 'application/json')).answer).toBe(false);
  });

  it('is false when a 200 is not an index (a catch-all page)', async () => {
    expect((await ask(200, 'text/html')).answer).toBe(false);
  });
});
