import { Readable } from 'node:stream';
import { AuthenticationError } from '../../ports/registry-errors';
import { principal } from './bearer-token-source';
import type { RegistryExchange, RegistryRequest } from './exchange';
import type { HttpResponse } from './http-transport';
import { answerFacts } from './registry-answer-error';
import type { RegistryAuthenticator } from './registry-authenticator';
import type { RegistryEndpoint, RegistryEndpoints } from './registry-endpoints';

/**
 * Authorization (go-containerregistry's basic.go and bearer.go): the header the registry's
 * challenge asks for (Basic, or a bearer token for the request's scopes), sent to the registry's
 * own origin only; after a 401, the challenge it carried is adopted and the request is sent once
 * more with a fresh token. A refusal after that, or any 403, is an AuthenticationError.
 */
export class AuthExchange implements RegistryExchange {
  constructor(
    private readonly inner: RegistryExchange,
    private readonly endpoints: RegistryEndpoints,
    private readonly authenticator: RegistryAuthenticator,
  ) {}

  async exchange(request: RegistryRequest): Promise<HttpResponse> {
    const { registry, repository, scopes } = request.context;
    const endpoint = await this.endpoints.resolve(registry);
    const authorization = await this.authenticator.authorization(endpoint, repository, scopes);
    const response = await this.send(endpoint, request, authorization);
    if (response.status === 403) throw await this.refused(request, response);
    if (response.status !== 401) return response;

    const wwwAuthenticate = response.headers['www-authenticate'];
    const first = await this.refused(request, response);
    const next = await this.authenticator.afterUnauthorized(
      endpoint,
      repository,
      scopes,
      wwwAuthenticate,
      authorization,
    );
    if (next === undefined) throw first;
    // A consumed stream cannot be resent; the caller's retry of the whole upload reopens it with the fresh token.
    if (request.body instanceof Readable)
      throw new AuthenticationError(first.message, { ...first.details, temporary: true });
    const second = await this.send(endpoint, request, next);
    if (second.status === 401 || second.status === 403) throw await this.refused(request, second);
    return second;
  }

  private send(
    endpoint: RegistryEndpoint,
    request: RegistryRequest,
    authorization: string | undefined,
  ): Promise<HttpResponse> {
    if (authorization === undefined || request.url.origin !== endpoint.base.origin) return this.inner.exchange(request);
    return this.inner.exchange({ ...request, headers: { ...request.headers, Authorization: authorization } });
  }

  /** `authentication failed for host/repo (user alice): HTTP 401 UNAUTHORIZED: …`, never the secret. */
  private async refused(request: RegistryRequest, response: HttpResponse): Promise<AuthenticationError> {
    const { summary, details } = await answerFacts(request, response);
    const who = principal(await this.authenticator.credentials(request.context.registry));
    return new AuthenticationError(
      `authentication failed for ${request.context.repository} (${who}): HTTP ${response.status}${summary ? ` ${summary}` : ''}`,
      details,
    );
  }
}
