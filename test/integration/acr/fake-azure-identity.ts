/**
 * Fakes of Azure's identity endpoints on 127.0.0.1, for the ACR provider's tests (the real
 * `@azure/identity` talks to them).
 *
 *   startManagedIdentityEndpoint() → { url, identityHeader, requests, tokens, stop() }
 *     IMDS: `GET /metadata/identity/oauth2/token` (select with AZURE_POD_IDENTITY_AUTHORITY_HOST=url);
 *       requires `Metadata: true`. App Service / Container Apps: `GET /msi/token` (IDENTITY_ENDPOINT=
 *       url + '/msi/token', IDENTITY_HEADER=identityHeader); requires `X-IDENTITY-HEADER`.
 *   startEntraEndpoint() → { authorityHost, requests, tokens, stop() }   (HTTPS, test CA: give
 *     the child NODE_EXTRA_CA_CERTS=pki.caCertPath) serving `/{tenant}/v2.0/.well-known/
 *     openid-configuration` and the client-credentials token endpoint workload identity posts
 *     its federated assertion to.
 *
 * Each issued access token is random; `tokens` maps it to the resource (scope without
 * `/.default`) it was issued for, so the fake ACR can tell which cloud's token it received.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { type AddressInfo } from 'node:net';
import { getTestPki } from '../support/pki';

export interface IdentityRequest {
  readonly source: 'imds' | 'app-service' | 'entra';
  readonly method: string;
  readonly path: string;
  /** IMDS / App Service: the `resource` query; Entra: the `scope` form field. */
  readonly resource?: string;
  readonly clientId?: string;
  /** IMDS sent `Metadata: true`; App Service sent the right `X-IDENTITY-HEADER`. */
  readonly headerOk?: boolean;
  /** Entra: the tenant in the path, the grant type, and whether the assertion was the token file's. */
  readonly tenant?: string;
  readonly grantType?: string;
  readonly assertionOk?: boolean;
}

export type IssuedTokens = Map<string, string>;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function issue(tokens: IssuedTokens, resource: string): string {
  const token = `entra-${randomBytes(18).toString('hex')}`;
  tokens.set(token, resource);
  return token;
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function stopper(server: http.Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

export interface ManagedIdentityEndpoint {
  readonly url: string;
  readonly identityHeader: string;
  readonly requests: IdentityRequest[];
  readonly tokens: IssuedTokens;
  stop(): Promise<void>;
}

export async function startManagedIdentityEndpoint(): Promise<ManagedIdentityEndpoint> {
  const identityHeader = `identity-header-${randomBytes(8).toString('hex')}`;
  const requests: IdentityRequest[] = [];
  const tokens: IssuedTokens = new Map();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const resource = url.searchParams.get('resource') ?? undefined;
    const clientId = url.searchParams.get('client_id') ?? undefined;
    // MSAL asks IMDS for `/metadata/identity/oauth2/token/` (trailing slash), as Azure accepts.
    const path = url.pathname.replace(/\/$/, '');
    const source =
      path === '/metadata/identity/oauth2/token' ? 'imds' : path === '/msi/token' ? 'app-service' : undefined;
    if (!source || req.method !== 'GET') return json(res, 404, { error: 'not_found' });
    const headerOk =
      source === 'imds' ? req.headers.metadata === 'true' : req.headers['x-identity-header'] === identityHeader;
    requests.push({ source, method: req.method, path, resource, clientId, headerOk });
    if (!headerOk || !resource) return json(res, 400, { error: 'invalid_request', error_description: 'bad request' });
    const expiresOn = Math.floor(Date.now() / 1000) + 3600;
    json(res, 200, {
      access_token: issue(tokens, resource),
      expires_in: '3600',
      expires_on: String(expiresOn),
      resource,
      token_type: 'Bearer',
      ...(clientId ? { client_id: clientId } : {}),
    });
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, identityHeader, requests, tokens, stop: stopper(server) };
}

export interface EntraEndpoint {
  /** `https://localhost:PORT`: AZURE_AUTHORITY_HOST. */
  readonly authorityHost: string;
  readonly requests: IdentityRequest[];
  readonly tokens: IssuedTokens;
  stop(): Promise<void>;
}

/** `assertion` is what the federated token file holds: the only client_assertion accepted. */
export async function startEntraEndpoint(assertion: string): Promise<EntraEndpoint> {
  const pki = await getTestPki();
  const requests: IdentityRequest[] = [];
  const tokens: IssuedTokens = new Map();
  let base = '';
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', base);
    const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (discovery?.[1] && req.method === 'GET') {
      const tenant = discovery[1];
      requests.push({ source: 'entra', method: 'GET', path: url.pathname, tenant });
      return json(res, 200, {
        issuer: `${base}/${tenant}/v2.0`,
        authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
        end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        tenant_region_scope: null,
        cloud_instance_name: 'localhost',
      });
    }
    if (token?.[1] && req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      const scope = form.get('scope') ?? '';
      const resource = scope
        .split(' ')
        .find((s) => s.endsWith('/.default'))
        ?.replace(/\/\.default$/, '');
      const assertionOk =
        form.get('client_assertion') === assertion &&
        form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
      const record: IdentityRequest = {
        source: 'entra',
        method: 'POST',
        path: url.pathname,
        tenant: token[1],
        resource,
        clientId: form.get('client_id') ?? undefined,
        grantType: form.get('grant_type') ?? undefined,
        assertionOk,
      };
      requests.push(record);
      if (!assertionOk || !resource || record.grantType !== 'client_credentials') {
        return json(res, 401, { error: 'invalid_client', error_description: 'AADSTS700213: assertion rejected' });
      }
      return json(res, 200, {
        token_type: 'Bearer',
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: issue(tokens, resource),
      });
    }
    requests.push({ source: 'entra', method: req.method ?? '', path: url.pathname });
    json(res, 404, { error: 'not_found' });
  };
  const server = https.createServer({ cert: pki.serverCertPem, key: pki.serverKeyPem }, (req, res) => {
    handle(req, res).catch((error: unknown) => json(res, 500, { error: String(error) }));
  });
  const port = await listen(server);
  base = `https://localhost:${port}`;
  return { authorityHost: base, requests, tokens, stop: stopper(server) };
}
