import type { Exchange } from './exchange';
import type { HttpRequest, HttpResponse } from './http-transport';
import { Semaphore } from './semaphore';

/**
 * Bounds exchanges in flight to `size`. A slot is held until the response body closes (ends,
 * errors or is destroyed), so an open blob stream counts as in flight, and it is given back at
 * once when the exchange fails.
 */
export class ConcurrencyExchange implements Exchange {
  private readonly slots: Semaphore;

  constructor(
    private readonly inner: Exchange,
    size: number,
  ) {
    this.slots = new Semaphore(size);
  }

  get inUse(): number {
    return this.slots.inUse;
  }

  async exchange(request: HttpRequest): Promise<HttpResponse> {
    const release = await this.slots.acquire();
    let response: HttpResponse;
    try {
      response = await this.inner.exchange(request);
    } catch (error) {
      release();
      throw error;
    }
    const body = response.body;
    if (body.closed || body.destroyed) release();
    else {
      body.once('close', release);
      body.once('error', release);
      body.once('end', release);
    }
    return response;
  }
}
