import { NotFoundError, RegistryError, redactUrl, type RegistryErrorDetails } from '../../ports/registry-errors';
import type { RegistryExchange, RegistryRequest } from './exchange';
import { type HttpResponse } from './http-transport';
import { discard } from './http-body';
import { answerFacts } from './registry-answer-error';
import { isRetryableStatus } from './retry-policy';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
export const MAX_REDIRECTS = 10;

/**
 * Follows redirects of GET and HEAD hop by hop (blobs live on object stores and CDNs): at most
 * MAX_REDIRECTS, http(s) only, and Authorization only to the origin first asked (object stores
 * reject or log foreign credentials; signed URLs carry their own). A foreign host's refusal is
 * reported as its own, since the registry's retry and auth rules do not apply to it.
 */
export class RedirectExchange implements RegistryExchange {
  constructor(private readonly inner: RegistryExchange) {}

  async exchange(request: RegistryRequest): Promise<HttpResponse> {
    let response = await this.inner.exchange(request);
    if (request.method !== 'GET' && request.method !== 'HEAD') return response;
    const what = request.context.what;
    for (let hops = 0; REDIRECTS.has(response.status); hops++) {
      const location = response.headers.location;
      discard(response);
      const details: RegistryErrorDetails = {
        method: request.method,
        url: redactUrl(response.url),
        status: response.status,
      };
      if (!location)
        throw new RegistryError(`${what} failed: HTTP ${response.status} without a Location header`, details);
      if (hops >= MAX_REDIRECTS)
        throw new RegistryError(`${what} failed: more than ${MAX_REDIRECTS} redirects`, details);
      const target = new URL(location, response.url);
      if (target.protocol !== 'https:' && target.protocol !== 'http:') {
        throw new RegistryError(`${what} failed: redirect to unsupported URL scheme ${target.protocol}`, details);
      }
      const sameOrigin = target.origin === request.url.origin;
      const headers = sameOrigin ? request.headers : withoutAuthorization(request.headers);
      response = await this.inner.exchange({
        ...request,
        url: target,
        ...(headers !== undefined ? { headers } : {}),
        insecure: request.insecure === true && target.hostname === request.url.hostname,
      });
      if (
        !sameOrigin &&
        !REDIRECTS.has(response.status) &&
        response.status >= 400 &&
        !isRetryableStatus(response.status)
      )
        throw await foreignRefusal(what, target, request, response);
    }
    return response;
  }
}

function withoutAuthorization(
  headers: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> | undefined {
  if (headers === undefined) return undefined;
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
}

/** `… failed: redirect target https://cdn.example answered HTTP 403: AccessDenied`. */
async function foreignRefusal(
  what: string,
  target: URL,
  request: RegistryRequest,
  response: HttpResponse,
): Promise<RegistryError> {
  const { summary, details } = await answerFacts({ method: request.method, url: target }, response);
  const message = `${what} failed: redirect target ${target.origin} answered HTTP ${response.status}${summary ? `: ${summary}` : ''}`;
  return response.status === 404 ? new NotFoundError(message, details) : new RegistryError(message, details);
}
