import type { Logger } from '../../ports/logger';
import { redactUrl } from '../../ports/registry-errors';
import type { Exchange } from './exchange';
import type { HttpRequest, HttpResponse } from './http-transport';

/**
 * One debug line per exchange: method, URL without query or userinfo (presigned URLs and token
 * requests carry secrets there), status and time taken. Headers are never logged.
 */
export class DebugLogExchange implements Exchange {
  constructor(
    private readonly inner: Exchange,
    private readonly logger: Logger,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async exchange(request: HttpRequest): Promise<HttpResponse> {
    const started = this.now();
    const line = `${request.method} ${redactUrl(request.url)}`;
    try {
      const response = await this.inner.exchange(request);
      this.logger.debug(`${line} -> ${response.status} (${this.now() - started} ms)`);
      return response;
    } catch (error) {
      this.logger.debug(`${line} -> failed (${this.now() - started} ms)`);
      throw error;
    }
  }
}
