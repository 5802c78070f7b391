/**
 * A fake of Google's OAuth token endpoint for service-account keys: an HTTPS server on 127.0.0.1
 * whose certificate names `oauth2.googleapis.com` (a test CA of its own, see google-pki.ts). The
 * client reaches it through the connect proxy's route `oauth2.googleapis.com:443`.
 *
 *   startFakeOAuthServer({ publicKeyPem, clientEmail, accessToken }) → { port, requests, stop() }
 *
 * `POST /token` with `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT`: the
 * assertion must carry a valid RS256 signature by the key's private half and the claims Google
 * checks (iss = client_email, aud = the token URL, scope, iat/exp within an hour, not expired);
 * else 400 `invalid_grant`, as Google answers.
 */
import { createPublicKey, verify } from 'node:crypto';
import https from 'node:https';
import { type AddressInfo } from 'node:net';
import { type GooglePki } from './google-pki';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface OAuthRequest {
  grantType?: string;
  iss?: string;
  scope?: string;
  outcome: 'issued' | 'refused';
  reason?: string;
}

export interface FakeOAuthServer {
  port: number;
  requests: OAuthRequest[];
  stop(): Promise<void>;
}

interface Claims {
  iss?: unknown;
  aud?: unknown;
  scope?: unknown;
  iat?: unknown;
  exp?: unknown;
}

function decodeSegment(segment: string | undefined): Record<string, unknown> | undefined {
  if (!segment) return undefined;
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export async function startFakeOAuthServer(options: {
  pki: GooglePki;
  publicKeyPem: string;
  clientEmail: string;
  accessToken: string;
  scope: string;
}): Promise<FakeOAuthServer> {
  const publicKey = createPublicKey(options.publicKeyPem);
  const requests: OAuthRequest[] = [];

  const check = (assertion: string | null): { claims?: Claims; refusal?: string } => {
    const [head, body, signature, extra] = (assertion ?? '').split('.');
    if (!head || !body || !signature || extra !== undefined) return { refusal: 'Invalid JWT: not a JWS' };
    const header = decodeSegment(head);
    const claims = decodeSegment(body) as Claims | undefined;
    if (header?.alg !== 'RS256' || !claims) return { refusal: 'Invalid JWT: unsupported header' };
    if (!verify('sha256', Buffer.from(`${head}.${body}`), publicKey, Buffer.from(signature, 'base64url'))) {
      return { claims, refusal: 'Invalid JWT Signature.' };
    }
    const now = Math.floor(Date.now() / 1000);
    if (claims.iss !== options.clientEmail) return { claims, refusal: 'Invalid issuer' };
    if (claims.aud !== GOOGLE_TOKEN_URL) return { claims, refusal: 'Invalid JWT: audience' };
    if (claims.scope !== options.scope) return { claims, refusal: 'Invalid JWT: scope' };
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number')
      return { claims, refusal: 'Invalid JWT: times' };
    if (claims.iat > now + 60 || claims.exp <= now || claims.exp - claims.iat > 3600) {
      return {
        claims,
        refusal: 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.',
      };
    }
    return { claims };
  };

  const server = https.createServer({ cert: options.pki.serverCertPem, key: options.pki.serverKeyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const grantType = form.get('grant_type') ?? undefined;
      const send = (status: number, body: object): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || new URL(req.url ?? '/', 'https://x').pathname !== '/token') {
        requests.push({ grantType, outcome: 'refused', reason: `${req.method ?? ''} ${req.url ?? ''}` });
        return send(404, { error: 'not_found' });
      }
      if (grantType !== JWT_GRANT) {
        requests.push({ grantType, outcome: 'refused', reason: 'grant type' });
        return send(400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
      }
      const { claims, refusal } = check(form.get('assertion'));
      const seen = {
        grantType,
        ...(typeof claims?.iss === 'string' ? { iss: claims.iss } : {}),
        ...(typeof claims?.scope === 'string' ? { scope: claims.scope } : {}),
      };
      if (refusal) {
        requests.push({ ...seen, outcome: 'refused', reason: refusal });
        return send(400, { error: 'invalid_grant', error_description: refusal });
      }
      requests.push({ ...seen, outcome: 'issued' });
      send(200, { access_token: options.accessToken, expires_in: 3599, token_type: 'Bearer' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
