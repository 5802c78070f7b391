import type { RegistryExchange, RegistryRequest } from './exchange';
import type { HttpResponse } from './http-transport';
import type { RateLimitGuard } from './rate-limit-guard';

/**
 * Pull budgets (Docker Hub's `ratelimit-*` headers): every answer's stated budget is remembered,
 * and a manifest GET waits for a pull to be left, or fails at once when the window frees one
 * later than the retry budget allows. Below the redirects, so it sees every hop.
 */
export class RateLimitExchange implements RegistryExchange {
  constructor(
    private readonly inner: RegistryExchange,
    private readonly guard: RateLimitGuard,
  ) {}

  async exchange(request: RegistryRequest): Promise<HttpResponse> {
    await this.guard.beforeRequest(request.url.host, request.method, request.url.pathname, request.context.what);
    const response = await this.inner.exchange(request);
    this.guard.observe(request.url.host, response.headers);
    return response;
  }
}
