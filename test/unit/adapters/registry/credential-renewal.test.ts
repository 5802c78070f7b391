import { afterEach, describe, expect, it } from 'vitest';
import { DistributionRegistry } from '../../../../src/adapters/registry/registry-client';
import type { AuthPort, Credentials } from '../../../../src/ports/auth-port';
import { json, memoryLogger, serve, type TestServer } from './support';

const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

/** Short-lived credentials: `stale` first, `fresh` once renewed (as a cloud provider's token). */
class RenewingAuth implements AuthPort {
  renewals = 0;
  constructor(private readonly renewTo: string | undefined) {}
  credentialsFor(): Promise<Credentials | undefined> {
    return Promise.resolve({ kind: 'basic', username: 'oauth2accesstoken', password: 'stale' });
  }
  renew(): Promise<Credentials | undefined> {
    this.renewals++;
    const password = this.renewTo;
    return Promise.resolve(password ? { kind: 'basic', username: 'oauth2accesstoken', password } : undefined);
  }
}

const servers: TestServer[] = [];
const clients: DistributionRegistry[] = [];
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(scheme: 'basic' | 'bearer', auth: AuthPort) {
  const s = await serve((req, res) => {
    if (req.url.startsWith('/token')) {
      if (req.headers.authorization !== basic('oauth2accesstoken', 'fresh')) return json(res, 401, {});
      return json(res, 200, { token: 'registry-token' });
    }
    const accepted = scheme === 'basic' ? basic('oauth2accesstoken', 'fresh') : 'Bearer registry-token';
    if (req.headers.authorization === accepted) return json(res, 200, { name: 'p/app', tags: ['1'] });
    const challenge = scheme === 'basic' ? 'Basic realm="r"' : `Bearer realm="http://${s.host}/token",service="svc"`;
    json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'expired' }] }, { 'WWW-Authenticate': challenge });
  });
  servers.push(s);
  const client = new DistributionRegistry({
    auth,
    logger: memoryLogger(),
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2, totalMs: 2_000 },
    timeoutMs: 2_000,
  });
  clients.push(client);
  return { s, client, repo: { registry: s.host, path: 'p/app' } };
}

describe('credentials renewed after a refusal', () => {
  it('retries with renewed Basic credentials once the registry refuses the first ones', async () => {
    const auth = new RenewingAuth('fresh');
    const { client, repo } = await setup('basic', auth);
    expect(await client.listTags(repo)).toEqual(['1']);
    expect(auth.renewals).toBe(1);
  });

  it('renews when the token server refuses the credentials, then gets the token', async () => {
    const auth = new RenewingAuth('fresh');
    const { client, repo } = await setup('bearer', auth);
    expect(await client.listTags(repo)).toEqual(['1']);
    expect(auth.renewals).toBe(1);
  });

  it('fails with the authentication error when nothing new can be had', async () => {
    const auth = new RenewingAuth(undefined);
    const { client, repo } = await setup('basic', auth);
    await expect(client.listTags(repo)).rejects.toMatchObject({ name: 'AuthenticationError', status: 401 });
    expect(auth.renewals).toBe(1);
  });
});
