/**
 * A fake Azure Container Registry on 127.0.0.1: a small front before the real docker-registry.
 *
 *   startFakeAcr({ tenant, entraTokens, tls?, refuseExchange? }) → Promise<FakeAcr>
 *
 * - `/v2/*` is proxied to a real docker-registry whose token auth realm is the front's
 *   `/oauth2/token?tenant=TENANT` (so its `/v2/` challenge names the tenant as ACR's does) and
 *   whose service is the front's host.
 * - `POST /oauth2/exchange` (grant_type=access_token, service, tenant, access_token) answers a
 *   refresh token when the form is right and the access token is one `entraTokens` issued; else
 *   401 with ACR's `{errors: [...]}` body. Each call is recorded with the resource the token was
 *   issued for (which cloud's scope) — never the token itself.
 * - `/oauth2/token` is the real token-server.ts realm: it accepts the refresh token as the
 *   password of 00000000-0000-0000-0000-000000000000 and signs JWTs the registry trusts.
 * - `tls: true` serves the front over HTTPS with the test PKI (trust it with `ca_certs`).
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { type AddressInfo } from 'node:net';
import { getTestPki } from '../support/pki';
import { startRegistry, type RunningRegistry } from '../support/registry-server';
import { startTokenServer, type TokenServer } from '../support/token-server';
import type { IssuedTokens } from './fake-azure-identity';

export const ACR_USER = '00000000-0000-0000-0000-000000000000';

export interface ExchangeRecord {
  readonly grantType?: string;
  readonly service?: string;
  readonly tenant?: string;
  /** The resource the access token was issued for; undefined when it was not one of ours. */
  readonly resource?: string;
  readonly status: number;
}

export interface FakeAcrOptions {
  /** The registry's tenant: in the challenge, and the only one the exchange accepts. */
  tenant: string;
  /** The identity fakes' issued tokens (one map or several). */
  entraTokens: IssuedTokens | IssuedTokens[];
  tls?: boolean;
  /** Every exchange answers 401, whatever it receives. */
  refuseExchange?: boolean;
}

export interface FakeAcr {
  /** `127.0.0.1:PORT`: the registry host of `source.repository`. */
  readonly host: string;
  readonly url: string;
  readonly refreshToken: string;
  readonly exchanges: ExchangeRecord[];
  /** GET /v2/ requests seen by the front. */
  readonly pings: () => number;
  readonly tokenServer: TokenServer;
  readonly registry: RunningRegistry;
  /** A RegistryTarget (registry-push.ts) for seeding images through the front. */
  readonly target: { url: string; username: string; password: string; caPem?: string };
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Forward one request to 127.0.0.1:`port`, path rewritten, streaming both ways. */
function forward(req: IncomingMessage, res: ServerResponse, port: number, path: string, tls: boolean): void {
  const headers = { ...req.headers, ...(tls ? { 'x-forwarded-proto': 'https' } : {}) };
  const upstream = http.request({ host: '127.0.0.1', port, method: req.method, path, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502);
    res.end(String(error));
  });
  req.pipe(upstream);
}

export async function startFakeAcr(options: FakeAcrOptions): Promise<FakeAcr> {
  const pki = options.tls ? await getTestPki() : undefined;
  const issued = Array.isArray(options.entraTokens) ? options.entraTokens : [options.entraTokens];
  const refreshToken = `acr-refresh-${randomBytes(18).toString('hex')}`;
  const exchanges: ExchangeRecord[] = [];
  let pings = 0;
  let host = '';
  let registryPort = 0;
  let tokenPort = 0;

  const exchange = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const form = new URLSearchParams(await readBody(req));
    const resource = issued.map((tokens) => tokens.get(form.get('access_token') ?? '')).find(Boolean);
    const ok =
      !options.refuseExchange &&
      form.get('grant_type') === 'access_token' &&
      form.get('service') === host &&
      form.get('tenant') === options.tenant &&
      resource !== undefined;
    const status = ok ? 200 : 401;
    exchanges.push({
      grantType: form.get('grant_type') ?? undefined,
      service: form.get('service') ?? undefined,
      tenant: form.get('tenant') ?? undefined,
      resource,
      status,
    });
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify(
        ok
          ? { refresh_token: refreshToken }
          : {
              errors: [
                {
                  code: 'UNAUTHORIZED',
                  message: `the access token is not valid for tenant ${form.get('tenant') ?? ''}`,
                },
              ],
            },
      ),
    );
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://front');
    if (url.pathname === '/oauth2/exchange' && req.method === 'POST') {
      exchange(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
    } else if (url.pathname === '/oauth2/token') {
      forward(req, res, tokenPort, `/token${url.search}`, false);
    } else if (url.pathname.startsWith('/v2/')) {
      if (url.pathname === '/v2/' && req.method === 'GET') pings++;
      forward(req, res, registryPort, `${url.pathname}${url.search}`, options.tls === true);
    } else {
      res.writeHead(404).end();
    }
  };
  const server = pki
    ? https.createServer({ cert: pki.serverCertPem, key: pki.serverKeyPem }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  host = `127.0.0.1:${port}`;
  const url = `${pki ? 'https' : 'http'}://${host}`;

  const tokenServer = await startTokenServer({
    users: { [ACR_USER]: refreshToken },
    service: host,
    anonymousActions: [],
  });
  tokenPort = Number(new URL(tokenServer.url).port);
  const registry = await startRegistry({
    auth: {
      token: {
        url: `${url}/oauth2/token?tenant=${options.tenant}`,
        service: host,
        issuer: tokenServer.issuer,
        rootCertPath: tokenServer.rootCertPath,
      },
    },
  });
  registryPort = registry.port;
  return {
    host,
    url,
    refreshToken,
    exchanges,
    pings: () => pings,
    tokenServer,
    registry,
    target: { url, username: ACR_USER, password: refreshToken, ...(pki ? { caPem: pki.caPem } : {}) },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await tokenServer.stop();
      await registry.stop();
    },
  };
}
