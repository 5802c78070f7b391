import { Readable } from 'node:stream';
import { NetworkError, RegistryError, redactUrl } from '../../ports/registry-errors';
import type { RegistryExchange, RegistryRequest } from './exchange';
import { type HttpResponse } from './http-transport';
import { readBody } from './http-body';
import { temporaryAnswerError } from './registry-answer-error';
import { isRetryableStatus, type RetryPolicy } from './retry-policy';
import { classifyTransportError } from './transport-error';

/**
 * Retries a request under the shared RetryPolicy (attempts, backoff, `Retry-After`, the step's
 * budget) while it fails with a temporary RegistryError; a 429/5xx answer becomes one. A streamed
 * body cannot be sent twice, so such a request gets one try and its caller retries the whole
 * operation from a reopened source (go-containerregistry's write.go does the same).
 */
export class RetryExchange implements RegistryExchange {
  constructor(
    private readonly inner: RegistryExchange,
    private readonly policy: RetryPolicy,
  ) {}

  exchange(request: RegistryRequest): Promise<HttpResponse> {
    if (request.context.once === true || request.body instanceof Readable) return this.attempt(request);
    return this.policy.run(request.context.what, () => this.attempt(request));
  }

  private async attempt(request: RegistryRequest): Promise<HttpResponse> {
    const response = await this.inner.exchange(request);
    if (isRetryableStatus(response.status)) throw await temporaryAnswerError(request.context.what, request, response);
    const buffer = request.context.buffer;
    if (!buffer?.when(response.status)) return response;
    let bytes: Buffer;
    try {
      bytes = await readBody(response, buffer.limit);
    } catch (error) {
      throw bodyFailure(request, error);
    }
    return { ...response, body: Readable.from([bytes], { objectMode: false }) };
  }
}

/** A body cut short is worth another try; one over its cap is not. */
function bodyFailure(request: RegistryRequest, error: unknown): RegistryError {
  const failure = classifyTransportError(error);
  const details = { method: request.method, url: redactUrl(request.url), cause: failure };
  const message = `${request.context.what} failed: ${failure.message}`;
  if (failure.kind === 'other') return new RegistryError(message, details);
  return new NetworkError(failure.kind, message, {
    ...details,
    temporary: failure.kind === 'reset' || failure.kind === 'timeout',
  });
}
