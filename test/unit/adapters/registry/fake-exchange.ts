import { Readable } from 'node:stream';
import type { Exchange, RegistryRequest, RegistryRequestContext } from '../../../../src/adapters/registry/exchange';
import type { HttpRequest, HttpResponse } from '../../../../src/adapters/registry/http-transport';

export interface Answer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer | Readable;
}

/** An answer, or a failure to throw (as a transport would), for one request. */
export type Script = (request: HttpRequest, index: number) => Answer | Error | Promise<Answer | Error>;

/** An inner exchange with no sockets: records every request and answers from a script. */
export class FakeExchange implements Exchange<RegistryRequest> {
  readonly requests: HttpRequest[] = [];
  constructor(private readonly script: Script) {}

  async exchange(request: HttpRequest): Promise<HttpResponse> {
    this.requests.push(request);
    const answer = await this.script(request, this.requests.length - 1);
    if (answer instanceof Error) throw answer;
    return response(request.url, answer);
  }

  /** `METHOD url` of each request, for asserting the order. */
  get lines(): string[] {
    return this.requests.map((r) => `${r.method} ${r.url.toString()}`);
  }
}

export function response(url: URL, answer: Answer): HttpResponse {
  const body = answer.body;
  const stream =
    body instanceof Readable
      ? body
      : Readable.from(body === undefined ? [] : [Buffer.from(body)], { objectMode: false });
  const length = body === undefined ? 0 : body instanceof Readable ? undefined : Buffer.byteLength(body);
  return {
    status: answer.status,
    statusText: '',
    url,
    headers: { ...(length !== undefined ? { 'content-length': String(length) } : {}), ...answer.headers },
    body: stream,
  };
}

/** A spec error body: `{"errors":[{"code","message"}]}`. */
export function errors(...entries: { code: string; message?: string; detail?: unknown }[]): string {
  return JSON.stringify({ errors: entries });
}

export function context(overrides: Partial<RegistryRequestContext> = {}): RegistryRequestContext {
  return {
    registry: 'registry.test',
    repository: 'registry.test/team/app',
    what: 'fetching manifest v1 of registry.test/team/app',
    scopes: ['repository:team/app:pull'],
    ...overrides,
  };
}

export function request(url: string, overrides: Partial<RegistryRequest> = {}): RegistryRequest {
  return { method: 'GET', url: new URL(url), context: context(), ...overrides };
}

/** The Node error a reset socket raises. */
export function connectionReset(): Error {
  return Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
}
