import type { Readable } from 'node:stream';
import { formatRepository, type RepositoryRef } from '../../domain/image-reference';
import type { RegistryError } from '../../ports/registry-errors';
import type { RegistryExchange, RegistryRequest, RegistryRequestContext } from './exchange';
import type { HttpMethod, HttpResponse } from './http-transport';
import { answerError } from './registry-answer-error';
import { registryUrl } from './registry-endpoints';

/** A request as the client's operations write it. */
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
  readonly once?: boolean;
  readonly buffer?: RegistryRequestContext['buffer'];
}

/** `repository:NAME:ACTIONS`, the distribution token scope. */
export function repositoryScope(path: string, push: boolean): string {
  return `repository:${path}:${push ? 'pull,push' : 'pull'}`;
}

/** Turns a call into the stack's request; `pushScope` asks for `pull,push` on everything (the `out` step). */
export function registryRequest(call: RegistryCall, pushScope: boolean): RegistryRequest {
  const { repo } = call;
  const url = typeof call.target === 'string' ? registryUrl(repo.registry, repo.path, call.target) : call.target;
  const context: RegistryRequestContext = {
    registry: repo.registry,
    repository: formatRepository(repo),
    what: call.what,
    scopes: [repositoryScope(repo.path, call.push === true || pushScope), ...(call.extraScopes ?? [])],
    ...(call.once === true ? { once: true } : {}),
    ...(call.buffer ? { buffer: call.buffer } : {}),
  };
  return {
    method: call.method,
    url,
    ...(call.headers ? { headers: call.headers } : {}),
    ...(call.body !== undefined ? { body: call.body } : {}),
    context,
  };
}

/** The operations' one way into the stack: a call in, the registry's answer out. */
export class RegistryCalls {
  constructor(
    private readonly stack: RegistryExchange,
    private readonly pushScope: boolean,
  ) {}

  send(call: RegistryCall): Promise<HttpResponse> {
    return this.stack.exchange(registryRequest(call, this.pushScope));
  }

  /** A NotFoundError (404) or RegistryError for an answer the operation cannot use. */
  unexpected(call: RegistryCall, response: HttpResponse): Promise<RegistryError> {
    return answerError(call.what, { method: call.method, url: response.url }, response);
  }
}
