import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AuthExchange } from '../../../../src/adapters/registry/auth-exchange';
import { BearerTokenSource } from '../../../../src/adapters/registry/bearer-token-source';
import type { HttpRequest } from '../../../../src/adapters/registry/http-transport';
import { RegistryAuthenticator } from '../../../../src/adapters/registry/registry-authenticator';
import { RegistryEndpoints } from '../../../../src/adapters/registry/registry-endpoints';
import { RetryPolicy } from '../../../../src/adapters/registry/retry-policy';
import { AuthenticationError } from '../../../../src/ports/registry-errors';
import { memoryLogger } from '../../../support/memory-logger';
import { StaticCredentialsAuth } from '../../../support/static-credentials-auth';
import { errors, FakeExchange, request, type Answer } from './fake-exchange';

const MANIFEST = 'https://registry.test/v2/team/app/manifests/v1';
const BEARER = 'Bearer realm="https://auth.test/token",service="registry.test"';
const ALICE = `Basic ${Buffer.from('alice:pw').toString('base64')}`;

/**
 * registry.test challenges for a bearer token from auth.test, which hands out t1, t2, … to alice;
 * `registry` answers the requests that reach the registry itself.
 */
function authStack(registry: (r: HttpRequest) => Answer, challenge = BEARER) {
  let issued = 0;
  const network = new FakeExchange((r) => {
    if (r.url.pathname === '/v2/') return { status: 401, headers: { 'www-authenticate': challenge } };
    if (r.url.host === 'auth.test') {
      if (r.headers?.Authorization !== ALICE) return { status: 401 };
      return { status: 200, body: JSON.stringify({ token: `t${++issued}` }) };
    }
    return registry(r);
  });
  const logger = memoryLogger();
  const retry = new RetryPolicy({ attempts: 1, baseDelayMs: 1, maxDelayMs: 1, totalMs: 1000 }, logger);
  const endpoints = new RegistryEndpoints(network, retry, logger, []);
  const credentials = new StaticCredentialsAuth({ 'registry.test': { username: 'alice', password: 'pw' } });
  const authenticator = new RegistryAuthenticator(credentials, new BearerTokenSource(network, retry, logger));
  const toRegistry = (): HttpRequest[] =>
    network.requests.filter((r) => r.url.host === 'registry.test' && r.url.pathname !== '/v2/');
  return { exchange: new AuthExchange(network, endpoints, authenticator), network, toRegistry };
}

describe('AuthExchange', () => {
  it("sends a bearer token for the request's scopes to the registry's origin", async () => {
    const { exchange, toRegistry } = authStack(() => ({ status: 200 }));
    expect((await exchange.exchange(request(MANIFEST))).status).toBe(200);
    expect(toRegistry().map((r) => r.headers?.Authorization)).toEqual(['Bearer t1']);
  });

  it('answers a Basic challenge with the credentials, and sends them to no other origin', async () => {
    const { exchange, network } = authStack(() => ({ status: 200 }), 'Basic realm="registry"');
    await exchange.exchange(request(MANIFEST));
    await exchange.exchange(request('https://uploads.test/session/1'));
    expect(network.requests.slice(-2).map((r) => r.headers?.Authorization)).toEqual([ALICE, undefined]);
  });

  it('after a 401 fetches a fresh token and sends the request once more', async () => {
    const { exchange, toRegistry } = authStack((r) =>
      r.headers?.Authorization === 'Bearer t1'
        ? { status: 401, headers: { 'www-authenticate': BEARER } }
        : { status: 200 },
    );
    expect((await exchange.exchange(request(MANIFEST))).status).toBe(200);
    expect(toRegistry().map((r) => r.headers?.Authorization)).toEqual(['Bearer t1', 'Bearer t2']);
  });

  it('throws an AuthenticationError with the facts when the fresh token is refused too', async () => {
    const { exchange, toRegistry } = authStack(() => ({
      status: 401,
      headers: { 'www-authenticate': BEARER },
      body: errors({ code: 'UNAUTHORIZED', message: 'authentication required' }),
    }));
    const error: unknown = await exchange.exchange(request(MANIFEST)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({
      message:
        'authentication failed for registry.test/team/app (user alice): HTTP 401 UNAUTHORIZED: authentication required',
      method: 'GET',
      url: MANIFEST,
      status: 401,
      diagnostics: [{ code: 'UNAUTHORIZED', message: 'authentication required' }],
      temporary: false,
    });
    expect(toRegistry()).toHaveLength(2);
    expect(JSON.stringify(error)).not.toContain('pw');
  });

  it('turns a 403 into an AuthenticationError at once', async () => {
    const { exchange, toRegistry } = authStack(() => ({ status: 403, body: errors({ code: 'DENIED' }) }));
    await expect(exchange.exchange(request(MANIFEST))).rejects.toMatchObject({
      name: 'AuthenticationError',
      status: 403,
      message: 'authentication failed for registry.test/team/app (user alice): HTTP 403 DENIED',
    });
    expect(toRegistry()).toHaveLength(1);
  });

  it('cannot resend a consumed stream: a 401 on an upload is temporary, for the whole upload to retry', async () => {
    const { exchange, toRegistry } = authStack(() => ({ status: 401, headers: { 'www-authenticate': BEARER } }));
    const upload = request('https://registry.test/v2/team/app/blobs/uploads/1', {
      method: 'PUT',
      body: Readable.from([Buffer.from('layer')]),
    });
    const error: unknown = await exchange.exchange(upload).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, temporary: true });
    expect(toRegistry()).toHaveLength(1);
  });
});
