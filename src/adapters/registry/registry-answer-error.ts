import {
  NotFoundError,
  RegistryError,
  redactUrl,
  renderHttpFailure,
  type RegistryErrorDetails,
} from '../../ports/registry-errors';
import { type HttpRequest, type HttpResponse } from './http-transport';
import { readErrorBody } from './http-body';
import { describeErrorBody, parseDiagnostics } from './registry-error-body';
import { parseRetryAfter } from './retry-policy';

/** The facts of an answer we cannot use, its body read (bounded) for what the registry said. */
export async function answerFacts(
  request: Pick<HttpRequest, 'method' | 'url'>,
  response: HttpResponse,
): Promise<{ summary: string; details: RegistryErrorDetails }> {
  const body = await readErrorBody(response);
  return {
    summary: describeErrorBody(body),
    details: {
      method: request.method,
      url: redactUrl(response.url),
      status: response.status,
      diagnostics: parseDiagnostics(body),
    },
  };
}

/** `what failed: HTTP 404 NAME_UNKNOWN: …`: a NotFoundError for 404, a RegistryError otherwise. */
export async function answerError(
  what: string,
  request: Pick<HttpRequest, 'method' | 'url'>,
  response: HttpResponse,
): Promise<RegistryError> {
  const { summary, details } = await answerFacts(request, response);
  const message = renderHttpFailure(what, response.status, summary);
  return response.status === 404 ? new NotFoundError(message, details) : new RegistryError(message, details);
}

/** A 429/5xx answer: temporary, with the wait the registry asked for. */
export async function temporaryAnswerError(
  what: string,
  request: Pick<HttpRequest, 'method' | 'url'>,
  response: HttpResponse,
  now: number = Date.now(),
): Promise<RegistryError> {
  const { summary, details } = await answerFacts(request, response);
  const retryAfterMs = parseRetryAfter(response.headers['retry-after'], now);
  return new RegistryError(renderHttpFailure(what, response.status, summary, true), {
    ...details,
    temporary: true,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}
