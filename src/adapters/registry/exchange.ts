import type { HttpRequest, HttpResponse } from './http-transport';

/**
 * One HTTP exchange: request in, response out. Every concern of the registry transport is one
 * wrapper of this interface (see registry-transport-stack.ts); the innermost is HttpTransport.
 * `Request` is what the layer needs to read: plain HTTP below, a RegistryRequest above.
 */
export interface Exchange<Request extends HttpRequest = HttpRequest> {
  exchange(request: Request): Promise<HttpResponse>;
}

/** What the registry layers need to know about a request beyond HTTP. */
export interface RegistryRequestContext {
  /** `host[:port]` as in RepositoryRef: whose endpoint, challenge and credentials apply. */
  readonly registry: string;
  /** `registry/repository`, for messages. */
  readonly repository: string;
  /** What we were doing, for messages: "fetching manifest latest of host/repo". */
  readonly what: string;
  /** Token scopes, e.g. `repository:app:pull`. */
  readonly scopes: readonly string[];
  /** One try only (the caller falls back on its own, as HEAD falls back to GET). */
  readonly once?: boolean;
  /**
   * Read the body of answers `when` accepts (at most `limit` bytes) inside the retried attempt, so
   * a body cut short is tried again; the response then carries the bytes read.
   */
  readonly buffer?: { readonly limit: number; readonly when: (status: number) => boolean };
}

export interface RegistryRequest extends HttpRequest {
  readonly context: RegistryRequestContext;
}

export type RegistryExchange = Exchange<RegistryRequest>;
