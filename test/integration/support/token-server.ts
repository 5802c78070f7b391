/**
 * A small Docker-registry token issuer (JWT, RS256) on 127.0.0.1, for `auth.token` registries.
 *
 *   startTokenServer({ users, anonymousActions?, service?, issuer?, ttlSeconds?, keyStyle? })
 *     → Promise<TokenServer{ url, service, issuer, rootCertPath, requests, stop() }>
 *
 * - `url` is the realm (`http://127.0.0.1:PORT/token`); pass the server to
 *   `startRegistry({ auth: { token: server } })`.
 * - `GET /token?service=…&scope=…[&scope=…]` with optional Basic auth (docker/ggcr),
 *   `POST /token` form `grant_type=password|refresh_token` (OAuth2). Answers
 *   `{ token, access_token, expires_in, issued_at[, refresh_token] }`; bad credentials → 401.
 * - Grants: a known user gets every action it asks for; anonymous gets only `anonymousActions`
 *   (default `['pull']`). Scope `type:name:actions` is split at the first and last `:`.
 * - `requests` records each call: `{ method, user?, scopes, service?, grantType?, outcome }`;
 *   passwords are never recorded.
 * - `keyStyle: 'kid'` (default, libtrust key id) or `'x5c'` (certificate chain in the header).
 */
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { getTestPki } from './pki';

export interface TokenServerOptions {
  /** user → password */
  users?: Record<string, string>;
  anonymousActions?: string[];
  service?: string;
  issuer?: string;
  ttlSeconds?: number;
  keyStyle?: 'kid' | 'x5c';
}

export interface TokenRequest {
  method: 'GET' | 'POST';
  user?: string;
  scopes: string[];
  service?: string;
  grantType?: string;
  outcome: 'issued' | 'denied';
}

export interface TokenServer {
  /** The realm URL for the registry's `auth.token.realm`. */
  url: string;
  service: string;
  issuer: string;
  /** Cert bundle the registry must trust for token signatures (`rootcertbundle`). */
  rootCertPath: string;
  requests: TokenRequest[];
  stop(): Promise<void>;
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

export function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter((a) => a !== ''),
  };
}

/** libtrust key id: base32 of the first 240 bits of sha256(SPKI DER), 12 groups of 4. */
export function libtrustKeyId(spkiDer: Buffer): string {
  const bytes = createHash('sha256').update(spkiDer).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5), 2)] ?? '';
  return out.match(/.{4}/g)?.join(':') ?? out;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function basicCredentials(req: IncomingMessage): { user: string; password: string } | undefined {
  const auth = req.headers.authorization;
  if (!auth?.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export async function startTokenServer(options: TokenServerOptions = {}): Promise<TokenServer> {
  const pki = await getTestPki();
  const users = options.users ?? {};
  const anonymousActions = options.anonymousActions ?? ['pull'];
  const service = options.service ?? 'test-registry';
  const issuer = options.issuer ?? 'test-issuer';
  const ttl = options.ttlSeconds ?? 300;
  const privateKey = createPrivateKey(pki.tokenKeyPem);
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const cert = new X509Certificate(pki.tokenCertPem);
  const jwtHeader =
    options.keyStyle === 'x5c'
      ? { typ: 'JWT', alg: 'RS256', x5c: [cert.raw.toString('base64')] }
      : { typ: 'JWT', alg: 'RS256', kid: libtrustKeyId(spki) };
  const requests: TokenRequest[] = [];
  const refreshTokens = new Map<string, string>();

  const issue = (user: string | undefined, scopes: string[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const access: Access[] = [];
    for (const s of scopes) {
      const parsed = parseScope(s);
      if (!parsed) continue;
      const actions = user !== undefined ? parsed.actions : parsed.actions.filter((a) => anonymousActions.includes(a));
      access.push({ ...parsed, actions });
    }
    const claims = {
      iss: issuer,
      sub: user ?? '',
      aud: service,
      exp: now + ttl,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const signingInput = `${b64url(JSON.stringify(jwtHeader))}.${b64url(JSON.stringify(claims))}`;
    return `${signingInput}.${b64url(sign('sha256', Buffer.from(signingInput), privateKey))}`;
  };

  const deny = (res: ServerResponse, record: TokenRequest): void => {
    requests.push({ ...record, outcome: 'denied' });
    res.writeHead(401, { 'Content-Type': 'application/json', 'Www-Authenticate': 'Basic realm="token"' });
    res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/token' || (req.method !== 'GET' && req.method !== 'POST')) {
      res.writeHead(404).end();
      return;
    }
    let user: string | undefined;
    let scopes: string[];
    let svc: string | undefined;
    let grantType: string | undefined;
    let withRefresh = false;
    if (req.method === 'GET') {
      scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ').filter((x) => x !== ''));
      svc = url.searchParams.get('service') ?? undefined;
      const creds = basicCredentials(req);
      const record: TokenRequest = { method: 'GET', scopes, service: svc, outcome: 'denied' };
      if (creds) {
        record.user = creds.user;
        if (users[creds.user] !== creds.password) return deny(res, record);
        user = creds.user;
      }
    } else {
      const form = new URLSearchParams(await readBody(req));
      scopes = form.getAll('scope').flatMap((s) => s.split(' ').filter((x) => x !== ''));
      svc = form.get('service') ?? undefined;
      grantType = form.get('grant_type') ?? undefined;
      const record: TokenRequest = { method: 'POST', scopes, service: svc, grantType, outcome: 'denied' };
      if (grantType === 'password') {
        const name = form.get('username') ?? '';
        record.user = name;
        if (users[name] === undefined || users[name] !== form.get('password')) return deny(res, record);
        user = name;
      } else if (grantType === 'refresh_token') {
        const owner = refreshTokens.get(form.get('refresh_token') ?? '');
        if (owner === undefined) return deny(res, record);
        user = owner;
        record.user = owner;
      } else {
        res.writeHead(400, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: 'unsupported_grant_type' }));
        requests.push(record);
        return;
      }
      withRefresh = true;
    }
    requests.push({ method: req.method, user, scopes, service: svc, grantType, outcome: 'issued' });
    const token = issue(user, scopes);
    const body: Record<string, unknown> = {
      token,
      access_token: token,
      expires_in: ttl,
      issued_at: new Date().toISOString(),
    };
    if (withRefresh && user !== undefined) {
      const refresh = randomUUID();
      refreshTokens.set(refresh, user);
      body.refresh_token = refresh;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertPath: pki.tokenCertPath,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
