import type { Readable } from 'node:stream';
import { ResourceError } from '../../domain/errors';
import { NotFoundError } from '../../ports/registry-errors';
import { formatRepository, type RepositoryRef } from '../../domain/image-reference';
import type { Logger } from '../../ports/logger';
import { principal } from './bearer-token-source';
import { discard, readErrorBody, type HttpMethod, type HttpResponse, type HttpTransport } from './http-transport';
import { repositoryScope, type RegistryAuthenticator } from './registry-authenticator';
import { pingTransportFailure, type RegistryEndpoint, type RegistryEndpoints } from './registry-endpoints';
import { describeErrorBody } from './registry-error-body';
import { RateLimitGuard } from './rate-limit-guard';
import { isRetryableStatus, parseRetryAfter, type RetryPolicy, TransientFailure } from './retry-policy';
import { classifyTransportError, type TransportError } from './transport-error';

export interface RegistryCall {
  readonly repo: RepositoryRef;
  /** What we were doing, for messages: "fetching manifest latest of host/repo". */
  readonly what: string;
  readonly method: HttpMethod;
  /** A path under `/v2/<repository>/` (`manifests/latest`), or an absolute URL (upload locations, next pages). */
  readonly target: string | URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | Readable;
  /** Needs `pull,push` on the repository. */
  readonly push?: boolean;
  /** More scopes, e.g. `repository:OTHER:pull` for a cross-repository mount. */
  readonly extraScopes?: readonly string[];
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/**
 * A registry request as the client needs it: resolved endpoint, authorization with one refresh on
 * 401, redirects followed hop by hop (Authorization only to the registry's own origin), transient
 * answers turned into TransientFailure for the retry policy, and permanent ones into ResourceErrors.
 */
export class RegistryHttp {
  constructor(
    private readonly transport: HttpTransport,
    private readonly endpoints: RegistryEndpoints,
    private readonly authenticator: RegistryAuthenticator,
    readonly retry: RetryPolicy,
    private readonly logger: Logger,
    private readonly pushScope: boolean,
    private readonly rateLimit: RateLimitGuard = new RateLimitGuard(logger, retry.settings),
  ) {}

  /** `attempt` under the retry policy; only for calls whose body is absent or a Buffer. */
  call(call: RegistryCall): Promise<HttpResponse> {
    return this.retry.run(call.what, () => this.attempt(call));
  }

  async attempt(call: RegistryCall): Promise<HttpResponse> {
    const endpoint = await this.endpoints.resolve(call.repo.registry);
    const url =
      typeof call.target === 'string' ? new URL(`/v2/${call.repo.path}/${call.target}`, endpoint.base) : call.target;
    const repository = formatRepository(call.repo);
    const scopes = [repositoryScope(call.repo.path, call.push === true || this.pushScope), ...(call.extraScopes ?? [])];
    const authorization = await this.authenticator.authorization(endpoint, repository, scopes);
    await this.rateLimit.beforeRequest(endpoint.base.host, call.method, call.target, call.what);
    let response = await this.send(endpoint, call, url, authorization);

    if (response.status === 401) {
      const wwwAuthenticate = response.headers['www-authenticate'];
      const firstDetail = describeErrorBody(await readErrorBody(response));
      const next = await this.authenticator.afterUnauthorized(
        endpoint,
        repository,
        scopes,
        wwwAuthenticate,
        authorization,
      );
      if (next === undefined) throw await this.authFailure(call, 401, firstDetail);
      if (call.body !== undefined && !Buffer.isBuffer(call.body)) {
        // A consumed stream cannot be resent; the caller's retry unit reopens it with the fresh token.
        throw new TransientFailure('token refreshed', await this.authFailure(call, 401, firstDetail));
      }
      response = await this.send(endpoint, call, url, next);
      if (response.status === 401 || response.status === 403) {
        throw await this.authFailure(call, response.status, describeErrorBody(await readErrorBody(response)));
      }
    } else if (response.status === 403) {
      throw await this.authFailure(call, 403, describeErrorBody(await readErrorBody(response)));
    }

    if ((call.method === 'GET' || call.method === 'HEAD') && REDIRECTS.has(response.status)) {
      response = await this.followRedirects(endpoint, call, response);
    }
    if (isRetryableStatus(response.status)) throw await this.transientStatus(call, response);
    return response;
  }

  private async send(
    endpoint: RegistryEndpoint,
    call: RegistryCall,
    url: URL,
    authorization: string | undefined,
  ): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...call.headers };
    const sameOrigin = url.origin === endpoint.base.origin;
    if (authorization !== undefined && sameOrigin) headers.Authorization = authorization;
    try {
      const response = await this.transport.exchange({
        method: call.method,
        url,
        headers,
        ...(call.body !== undefined ? { body: call.body } : {}),
        insecure: endpoint.insecure && url.hostname === endpoint.base.hostname,
      });
      this.logger.debug(`${call.method} ${url.origin}${url.pathname} -> ${response.status}`);
      if (sameOrigin) this.rateLimit.observe(url.host, response.headers);
      return response;
    } catch (error) {
      throw this.transportFailure(endpoint, call, url, classifyTransportError(error));
    }
  }

  private transportFailure(endpoint: RegistryEndpoint, call: RegistryCall, url: URL, failure: TransportError): Error {
    if (failure.kind === 'tls-certificate' || failure.kind === 'tls-handshake') {
      const mapped = pingTransportFailure(endpoint.registry, new URL(url.origin), failure, endpoint.insecure);
      if (mapped instanceof ResourceError && mapped.code === 'TLS') return mapped;
    }
    const final = new ResourceError('NETWORK', `${call.what} failed: ${failure.message}`, { cause: failure });
    // The registry answered its ping, so even a refused connection is a blip (restart, load balancer).
    if (
      failure.kind === 'reset' ||
      failure.kind === 'timeout' ||
      failure.kind === 'refused' ||
      failure.kind === 'tls-handshake'
    ) {
      return new TransientFailure(failure.message, final);
    }
    return final;
  }

  private async followRedirects(
    endpoint: RegistryEndpoint,
    call: RegistryCall,
    first: HttpResponse,
  ): Promise<HttpResponse> {
    let response = first;
    for (let hops = 0; REDIRECTS.has(response.status); hops++) {
      const location = response.headers.location;
      discard(response);
      if (!location)
        throw new ResourceError('REGISTRY', `${call.what} failed: HTTP ${response.status} without a Location header`);
      if (hops >= MAX_REDIRECTS)
        throw new ResourceError('REGISTRY', `${call.what} failed: more than ${MAX_REDIRECTS} redirects`);
      const target = new URL(location, response.url);
      if (target.protocol !== 'https:' && target.protocol !== 'http:') {
        throw new ResourceError(
          'REGISTRY',
          `${call.what} failed: redirect to unsupported URL scheme ${target.protocol}`,
        );
      }
      const sameOrigin = target.origin === endpoint.base.origin;
      // Object stores reject (or log) foreign Authorization headers; signed URLs carry their own.
      const authorization = sameOrigin ? await this.reauthorize(endpoint, call) : undefined;
      response = await this.send(
        endpoint,
        { ...call, method: call.method === 'HEAD' ? 'HEAD' : 'GET' },
        target,
        authorization,
      );
      if (
        !sameOrigin &&
        !REDIRECTS.has(response.status) &&
        response.status >= 400 &&
        !isRetryableStatus(response.status)
      ) {
        const detail = describeErrorBody(await readErrorBody(response));
        throw new ResourceError(
          response.status === 404 ? 'NOT_FOUND' : 'REGISTRY',
          `${call.what} failed: redirect target ${target.origin} answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`,
        );
      }
    }
    return response;
  }

  private reauthorize(endpoint: RegistryEndpoint, call: RegistryCall): Promise<string | undefined> {
    const scopes = [repositoryScope(call.repo.path, call.push === true || this.pushScope), ...(call.extraScopes ?? [])];
    return this.authenticator.authorization(endpoint, formatRepository(call.repo), scopes);
  }

  private async transientStatus(call: RegistryCall, response: HttpResponse): Promise<TransientFailure> {
    const retryAfter = parseRetryAfter(response.headers['retry-after'], Date.now());
    const detail = describeErrorBody(await readErrorBody(response));
    const status = `HTTP ${response.status}${detail ? ` (${detail})` : ''}`;
    const final = new ResourceError('REGISTRY', `${call.what} failed: ${status}`);
    return new TransientFailure(status, final, retryAfter, response.status);
  }

  private async authFailure(call: RegistryCall, status: number, detail: string): Promise<ResourceError> {
    const who = principal(await this.authenticator.credentials(call.repo.registry));
    return new ResourceError(
      'AUTHENTICATION',
      `authentication failed for ${formatRepository(call.repo)} (${who}): HTTP ${status}${detail ? ` ${detail}` : ''}`,
    );
  }

  /** A ResourceError for an answer the caller cannot use (reads what the registry said). */
  async unexpected(call: RegistryCall, response: HttpResponse): Promise<ResourceError> {
    const detail = describeErrorBody(await readErrorBody(response));
    const message = `${call.what} failed: HTTP ${response.status}${detail ? ` ${detail}` : ''}`;
    return response.status === 404 ? new NotFoundError(message) : new ResourceError('REGISTRY', message);
  }
}
