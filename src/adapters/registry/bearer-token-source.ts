import { isLoopbackRegistry, registryHostname } from '../../domain/image-reference';
import type { Credentials } from '../../ports/auth-port';
import type { Logger } from '../../ports/logger';
import { AuthenticationError, NetworkError, RegistryError, redactUrl } from '../../ports/registry-errors';
import type { Exchange } from './exchange';
import { readBody, readErrorBody } from './http-body';
import { describeErrorBody, parseDiagnostics } from './registry-error-body';
import { isRetryableStatus, parseRetryAfter, type RetryPolicy } from './retry-policy';
import { classifyTransportError } from './transport-error';
import type { RegistryEndpoint } from './registry-endpoints';

export interface TokenRequest {
  readonly endpoint: RegistryEndpoint;
  /** `registry/repository`, for messages only. */
  readonly repository: string;
  readonly realm: string;
  readonly service: string | undefined;
  readonly scopes: readonly string[];
  readonly credentials: Credentials | undefined;
}

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** Token answers are a few KiB; anything past this is refused unread. */
export const TOKEN_RESPONSE_LIMIT = 1024 * 1024;
/** Spec default lifetime when the realm does not say (distribution token spec: 60 s). */
const DEFAULT_LIFETIME_S = 60;
/** Renew a little early so a token does not expire between our check and the registry's. */
const EXPIRY_MARGIN_MS = 10_000;

/** Describes who we authenticate as, without the secret. */
export function principal(credentials: Credentials | undefined): string {
  if (!credentials) return 'anonymous';
  return credentials.kind === 'basic' ? `user ${credentials.username}` : 'registry token';
}

/**
 * Fetches bearer tokens from a challenge's realm (`GET realm?service=&scope=…` with Basic
 * credentials when configured), caching them per registry, realm and scope set for the run and
 * sharing one fetch between concurrent callers.
 */
export class BearerTokenSource {
  private readonly cache = new Map<string, Promise<CachedToken>>();

  constructor(
    private readonly transport: Exchange,
    private readonly retry: RetryPolicy,
    private readonly logger: Logger,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async token(request: TokenRequest, fresh: boolean): Promise<string> {
    const key = [request.endpoint.registry, request.realm, request.service ?? '', ...[...request.scopes].sort()].join(
      '\n',
    );
    const cached = this.cache.get(key);
    if (cached && !fresh) {
      try {
        const value = await cached;
        if (value.expiresAt > this.now()) return value.token;
      } catch {
        // fetch again below
      }
    }
    const fetching = this.fetch(request);
    this.cache.set(key, fetching);
    fetching.catch(() => {
      if (this.cache.get(key) === fetching) this.cache.delete(key);
    });
    return (await fetching).token;
  }

  private async fetch(request: TokenRequest): Promise<CachedToken> {
    const realm = parseRealm(request);
    const url = new URL(realm.toString());
    if (request.service) url.searchParams.set('service', request.service);
    for (const scope of request.scopes) url.searchParams.append('scope', scope);
    const headers: Record<string, string> = { Accept: 'application/json' };
    const credentials = request.credentials;
    if (credentials?.kind === 'basic') {
      assertSafeRealm(request, realm);
      headers.Authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    }
    const insecure = request.endpoint.insecure && realm.hostname === request.endpoint.base.hostname;
    const who = principal(credentials);
    const what = `fetching a token for ${request.repository} from ${realm.origin}`;
    const where = { method: 'GET', url: redactUrl(realm) };
    return this.retry.run(what, async () => {
      let response;
      try {
        response = await this.transport.exchange({ method: 'GET', url, headers, insecure });
      } catch (error) {
        const failure = classifyTransportError(error);
        const tls = failure.kind.startsWith('tls');
        throw new NetworkError(
          failure.kind,
          `${what} failed: ${failure.message}${tls ? '; add the token server CA to source.ca_certs' : ''}`,
          { ...where, temporary: failure.kind === 'reset' || failure.kind === 'timeout', cause: failure },
        );
      }
      this.logger.debug(`token for ${request.repository}: scopes ${request.scopes.join(' ')} -> ${response.status}`);
      if (response.status !== 200) {
        const body = await readErrorBody(response);
        const detail = describeErrorBody(body);
        const suffix = detail ? `: ${detail}` : '';
        const details = { ...where, status: response.status, diagnostics: parseDiagnostics(body) };
        if (response.status === 401 || response.status === 403) {
          throw new AuthenticationError(
            `authentication failed for ${request.repository} (${who}): token server ${realm.origin} answered HTTP ${response.status}${suffix}`,
            details,
          );
        }
        const retryAfterMs = parseRetryAfter(response.headers['retry-after'], this.now());
        throw new RegistryError(`${what} failed: HTTP ${response.status}${suffix}`, {
          ...details,
          temporary: isRetryableStatus(response.status),
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        });
      }
      const body = await readBody(response, TOKEN_RESPONSE_LIMIT).catch((error: unknown) => {
        const failure = classifyTransportError(error);
        const message = `${what} failed: ${failure.message}`;
        if (failure.kind === 'other') throw new RegistryError(message, { ...where, cause: failure });
        throw new NetworkError(failure.kind, message, {
          ...where,
          temporary: failure.kind === 'reset' || failure.kind === 'timeout',
          cause: failure,
        });
      });
      return parseTokenResponse(body, what, this.now());
    });
  }
}

function parseRealm(request: TokenRequest): URL {
  try {
    const realm = new URL(request.realm);
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') throw new Error('not an HTTP URL');
    return realm;
  } catch {
    throw new RegistryError(`registry ${request.endpoint.registry} sent an unusable token realm "${request.realm}"`);
  }
}

/**
 * Basic credentials travel to a realm in clear only where they would travel anyway: the
 * registry's own host, or loopback, or anywhere when the pipeline set `insecure: true`. Anything
 * else over plain HTTP could leak them to the network.
 */
export function assertSafeRealm(request: TokenRequest, realm: URL): void {
  if (realm.protocol === 'https:' || request.endpoint.insecure) return;
  const host = realm.hostname.replace(/^\[|\]$/g, '');
  if (host === registryHostname(request.endpoint.base.host) || isLoopbackRegistry(realm.host)) return;
  throw new AuthenticationError(
    `refusing to send the credentials for ${request.endpoint.registry} to token realm ${realm.origin} over plain HTTP (another host); the realm must use HTTPS`,
  );
}

function parseTokenResponse(body: Buffer, what: string, now: number): CachedToken {
  let json: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    json = JSON.parse(body.toString('utf8')) as typeof json;
  } catch {
    throw new RegistryError(`${what} failed: the token server did not answer JSON`);
  }
  const token = typeof json.token === 'string' && json.token !== '' ? json.token : json.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new RegistryError(`${what} failed: the response has neither "token" nor "access_token"`);
  }
  const lifetime = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : DEFAULT_LIFETIME_S;
  return { token, expiresAt: now + Math.max(lifetime * 1000 - EXPIRY_MARGIN_MS, 1000) };
}
