/**
 * DistributionAuthExchange (the RegistryAuthExchange port) against a small registry front on
 * 127.0.0.1: the registry client's endpoint resolution, retries and size bound apply to it.
 */
import 'reflect-metadata';
import http, { type IncomingMessage } from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DistributionAuthExchange } from '../../../src/adapters/registry/registry-auth-exchange-client';
import { memoryLogger } from '../../support/memory-logger';

interface Seen {
  method: string;
  path: string;
  contentType?: string;
  body: string;
}

let server: http.Server | undefined;
async function stopServer(): Promise<void> {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
}
afterEach(stopServer);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => resolve(text));
  });
}

/** A front whose `/oauth2/exchange` answers `answers` in turn (the last one repeats). */
async function front(answers: Array<{ status: number; body: string }>): Promise<{ host: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  let n = 0;
  server = http.createServer((req, res) => {
    void readBody(req).then((body) => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'], body });
      if (req.url === '/v2/') {
        res.writeHead(401, {
          'Www-Authenticate': 'Bearer realm="http://127.0.0.1/oauth2/token?tenant=abc",service="svc"',
        });
        return res.end();
      }
      const answer = answers[Math.min(n++, answers.length - 1)] ?? { status: 500, body: '' };
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function client() {
  const logger = memoryLogger();
  const exchange = new DistributionAuthExchange({
    auth: { credentialsFor: () => Promise.resolve(undefined) },
    logger,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
  });
  return { exchange, logger };
}

describe('DistributionAuthExchange', () => {
  it('reads the /v2/ challenge once and posts an urlencoded form on the same endpoint', async () => {
    const { host, seen } = await front([{ status: 200, body: '{"refresh_token":"r"}' }]);
    const { exchange } = client();
    expect(await exchange.challenge(host)).toEqual([
      { scheme: 'bearer', params: { realm: 'http://127.0.0.1/oauth2/token?tenant=abc', service: 'svc' } },
    ]);
    expect(await exchange.postForm(host, '/oauth2/exchange', { grant_type: 'access_token', service: host })).toEqual({
      status: 200,
      body: { refresh_token: 'r' },
    });
    const posts = seen.filter((s) => s.method === 'POST');
    expect(posts).toEqual([
      {
        method: 'POST',
        path: '/oauth2/exchange',
        contentType: 'application/x-www-form-urlencoded',
        body: `grant_type=access_token&service=${encodeURIComponent(host)}`,
      },
    ]);
    // The challenge and the POST shared one endpoint resolution: one HTTP GET /v2/ (after the HTTPS probe failed).
    expect(seen.filter((s) => s.path === '/v2/')).toHaveLength(1);
  });

  it('retries a 503 with the registry client’s policy, then returns the answer', async () => {
    const { host, seen } = await front([
      { status: 503, body: '' },
      { status: 200, body: '{"refresh_token":"r"}' },
    ]);
    const { exchange, logger } = client();
    expect((await exchange.postForm(host, '/oauth2/exchange', {})).status).toBe(200);
    expect(seen.filter((s) => s.method === 'POST')).toHaveLength(2);
    expect(logger.warnings.join('\n')).toMatch(/POST \/oauth2\/exchange on registry 127\.0\.0\.1:\d+/);
  });

  it('returns a refusal as it is, with its JSON body; a non-JSON body is undefined', async () => {
    const { host } = await front([{ status: 401, body: '{"errors":[{"code":"UNAUTHORIZED"}]}' }]);
    const { exchange } = client();
    expect(await exchange.postForm(host, '/oauth2/exchange', {})).toEqual({
      status: 401,
      body: { errors: [{ code: 'UNAUTHORIZED' }] },
    });
    await stopServer();
    const other = await front([{ status: 400, body: '<html>nope</html>' }]);
    expect(await client().exchange.postForm(other.host, '/oauth2/exchange', {})).toEqual({
      status: 400,
      body: undefined,
    });
  });

  it('refuses an answer above its size bound instead of buffering it', async () => {
    const { host } = await front([{ status: 200, body: `{"refresh_token":"${'x'.repeat(300 * 1024)}"}` }]);
    await expect(client().exchange.postForm(host, '/oauth2/exchange', {})).rejects.toThrow(/exceeds 262144 bytes/);
  });
});
