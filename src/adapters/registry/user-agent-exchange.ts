import type { Exchange } from './exchange';
import type { HttpRequest, HttpResponse } from './http-transport';

/** Names us on every request (go-containerregistry's userAgentTransport); a caller's own value wins. */
export class UserAgentExchange implements Exchange {
  constructor(
    private readonly inner: Exchange,
    private readonly userAgent: string,
  ) {}

  exchange(request: HttpRequest): Promise<HttpResponse> {
    const given = Object.keys(request.headers ?? {}).some((name) => name.toLowerCase() === 'user-agent');
    if (given) return this.inner.exchange(request);
    return this.inner.exchange({ ...request, headers: { ...request.headers, 'User-Agent': this.userAgent } });
  }
}
