import type { IncomingMessage } from 'node:http';
import { PassThrough, pipeline, Readable } from 'node:stream';
import axios, { type AxiosInstance } from 'axios';
import { proxyRefusal } from './proxy-agent';
import type { ProxyEnvironment } from './proxy-environment';
import type { Exchange } from './exchange';
import { duration } from './retry-policy';
import { StepDeadlineError, type StepDeadline } from './step-deadline';
import { TransportAgents } from './transport-agents';
import { classifyTransportError, TransportError } from './transport-error';

/**
 * A body slower than this per `timeoutMs` window counts as stalled: a peer trickling a byte at a
 * time must not keep the step alive forever (default: 1 KiB a minute).
 */
export const MIN_BYTES_PER_WINDOW = 1024;

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  readonly method: HttpMethod;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  /** A Buffer can be re-sent on retry; a stream cannot (upload retries reopen the source). */
  readonly body?: Buffer | Readable;
  /** Skip certificate verification (an `insecure` registry's own host only). */
  readonly insecure?: boolean;
}

export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly url: URL;
  /** Lower-case names; repeated headers joined with ", " as Node does. */
  readonly headers: Readonly<Record<string, string>>;
  /** Must be read to the end or destroyed: it holds a connection (and a concurrency slot) until it closes. */
  readonly body: Readable;
}

export interface HttpTransportOptions {
  /** Trust list for HTTPS, or undefined for Node's defaults. */
  readonly ca: string[] | undefined;
  /**
   * Idle time allowed while connecting or sending; time allowed for the response headers once the
   * request is sent; window in which a body must bring MIN_BYTES_PER_WINDOW bytes.
   */
  readonly timeoutMs: number;
  /** No exchange starts, and none stays open, after this (the whole step's bound). */
  readonly deadline?: StepDeadline;
  /** Forward proxies and NO_PROXY; by default read from the environment as Go's client does. */
  readonly proxy?: ProxyEnvironment;
}

/**
 * One HTTP exchange on axios, nothing more: no auth, no retries, no redirects, no user agent, no
 * concurrency bound (each is a wrapper above, see registry-transport-stack.ts). What it owns is
 * the exchange's time: a deadline for the answer's headers, an upload that may only stall so
 * long, a body that must keep bringing bytes, and the step's deadline over all of it. Where the
 * bytes go (TLS trust, proxies) is TransportAgents'.
 */
export class HttpTransport implements Exchange {
  private readonly client: AxiosInstance;
  private readonly agents: TransportAgents;

  constructor(private readonly options: HttpTransportOptions) {
    this.agents = new TransportAgents({
      ca: options.ca,
      timeoutMs: options.timeoutMs,
      ...(options.proxy ? { proxy: options.proxy } : {}),
    });
    this.client = axios.create({
      adapter: 'http',
      // Redirects are followed by the caller, which decides per hop which headers may travel.
      maxRedirects: 0,
      validateStatus: null,
      responseType: 'stream',
      decompress: false,
      // Our agents apply the proxy environment; axios must not apply it a second time.
      proxy: false,
      maxBodyLength: Infinity,
      maxContentLength: -1,
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
    });
  }

  async exchange(request: HttpRequest): Promise<HttpResponse> {
    const deadline = this.options.deadline;
    if (deadline && Date.now() >= deadline.atMs) throw new StepDeadlineError(deadline);
    const origin = request.url.origin;
    const ms = this.options.timeoutMs;
    // Our own timers, not axios's `timeout`: its wall clock runs from the start of the request,
    // which would cut a long streamed upload that is making progress.
    const abort = new AbortController();
    const timers = new Set<NodeJS.Timeout>();
    let settled = false;
    const after = (delay: number, reason: () => Error): NodeJS.Timeout | undefined => {
      if (settled) return undefined;
      const timer = setTimeout(() => abort.abort(reason()), Math.max(0, delay));
      timer.unref();
      timers.add(timer);
      return timer;
    };
    const awaitHeaders = (): void => {
      if (ms > 0)
        after(ms, () => new TransportError('timeout', 'ETIMEDOUT', `${origin} sent no answer within ${duration(ms)}`));
    };
    let data: Buffer | Readable | undefined = request.body;
    const source = request.body;
    if (source instanceof Readable) {
      // A streamed upload may take long to send: it may only stall, and the wait for the answer
      // starts when it is sent. The pass-through lets us watch it flow without racing axios for data.
      data = pipeline(source, new PassThrough(), () => undefined);
      let stalled: NodeJS.Timeout | undefined;
      const progressed = (): void => {
        if (stalled) timers.delete(stalled);
        clearTimeout(stalled);
        if (ms > 0)
          stalled = after(
            ms,
            () => new TransportError('timeout', 'ETIMEDOUT', `${origin} took no upload data for ${duration(ms)}`),
          );
      };
      progressed();
      source.on('data', progressed);
      source.once('end', () => {
        clearTimeout(stalled);
        source.off('data', progressed);
        awaitHeaders();
      });
    } else awaitHeaders();
    if (deadline) after(deadline.atMs - Date.now(), () => new StepDeadlineError(deadline));
    try {
      const headers: Record<string, string> = { ...request.headers };
      if (
        request.body === undefined &&
        (request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH')
      ) {
        headers['Content-Length'] ??= '0';
      }
      const route = this.agents.route(request.url, request.insecure === true);
      const response = await this.client.request<IncomingMessage>({
        method: request.method,
        url: request.url.toString(),
        headers,
        data,
        timeout: 0,
        signal: abort.signal,
        httpAgent: route.httpAgent,
        httpsAgent: route.httpsAgent,
      });
      settled = true;
      timers.forEach(clearTimeout);
      const body = response.data as unknown as Readable;
      // Registries never send 407; through a forwarding proxy it is the proxy's own answer.
      if (response.status === 407 && route.proxy && request.url.protocol === 'http:') {
        body.destroy();
        throw proxyRefusal(route.proxy, `${request.method} ${request.url.origin}`, 407, response.statusText ?? '');
      }
      const plain: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers as Record<string, unknown>)) {
        if (value === undefined || value === null) continue;
        plain[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      }
      this.watchBody(body, origin);
      return { status: response.status, statusText: response.statusText ?? '', url: request.url, headers: plain, body };
    } catch (error) {
      settled = true;
      timers.forEach(clearTimeout);
      const reason: unknown = abort.signal.reason;
      if (abort.signal.aborted && (reason instanceof StepDeadlineError || reason instanceof TransportError))
        throw reason;
      const failure = classifyTransportError(error);
      throw failure;
    }
  }

  /**
   * A stalled or trickling body errors instead of hanging the step: each `timeoutMs` window must
   * bring MIN_BYTES_PER_WINDOW bytes (or the end), and the step deadline ends any body.
   */
  private watchBody(body: Readable, origin: string): void {
    const ms = this.options.timeoutMs;
    const deadline = this.options.deadline;
    let timer: NodeJS.Timeout | undefined;
    let received = 0;
    const check = (): void => {
      if (received >= MIN_BYTES_PER_WINDOW) return arm();
      const what = received === 0 ? 'no data' : `only ${received} bytes`;
      body.destroy(new TransportError('timeout', 'ETIMEDOUT', `${origin} sent ${what} in ${duration(ms)}`));
    };
    const arm = (): void => {
      clearTimeout(timer);
      received = 0;
      timer = setTimeout(check, ms);
      timer.unref();
    };
    if (ms > 0) {
      arm();
      body.on('data', (chunk: Buffer) => (received += chunk.length));
      body.on('resume', arm);
      // A consumer applying backpressure is not a stalled server.
      body.on('pause', () => clearTimeout(timer));
    }
    let stepTimer: NodeJS.Timeout | undefined;
    if (deadline) {
      stepTimer = setTimeout(
        () => body.destroy(new StepDeadlineError(deadline)),
        Math.max(0, deadline.atMs - Date.now()),
      );
      stepTimer.unref();
    }
    body.once('close', () => {
      clearTimeout(timer);
      clearTimeout(stepTimer);
    });
  }

  close(): void {
    this.agents.close();
  }
}
