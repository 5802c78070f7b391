import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { PassThrough, pipeline, Readable } from 'node:stream';
import axios, { type AxiosInstance } from 'axios';
import { ForwardingAgent, proxyRefusal, TunnelingAgent } from './proxy-agent';
import { proxyEnvironment, proxyFor, type ProxyEnvironment, type ProxyServer } from './proxy-environment';
import type { Exchange } from './exchange';
import { duration } from './retry-policy';
import { Semaphore } from './semaphore';
import { StepDeadlineError, type StepDeadline } from './step-deadline';
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
  /** Must be read to the end or destroyed: it holds a concurrency slot until it closes. */
  readonly body: Readable;
}

export interface HttpTransportOptions {
  /** Trust list for HTTPS, or undefined for Node's defaults. */
  readonly ca: string[] | undefined;
  readonly concurrency: number;
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

interface Route {
  readonly httpAgent: HttpAgent;
  readonly httpsAgent: HttpsAgent;
  readonly proxy: ProxyServer | undefined;
}

/**
 * One HTTP exchange on axios, nothing more: no auth, no retries, no redirects, no user agent
 * (each is a wrapper above, see registry-transport-stack.ts). Proxies and TLS trust are
 * properties of its agents, so they live here. Keep-alive agents are shared for the run; a semaphore bounds exchanges in flight,
 * each holding its slot until its response body closes. Proxies (HTTPS_PROXY, HTTP_PROXY,
 * NO_PROXY) are chosen per URL and applied by our own agents, never by axios.
 */
export class HttpTransport implements Exchange {
  private readonly client: AxiosInstance;
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;
  private readonly insecureHttpsAgent: HttpsAgent;
  private readonly proxies: ProxyEnvironment;
  /** Agents through a proxy, made on first use: `forward`, `tunnel`, `tunnel-insecure`. */
  private readonly proxyAgents = new Map<string, HttpAgent>();
  private readonly slots: Semaphore;

  constructor(private readonly options: HttpTransportOptions) {
    this.proxies = options.proxy ?? proxyEnvironment(process.env);
    this.httpAgent = new HttpAgent({ keepAlive: true });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, ...this.trust(false) });
    this.insecureHttpsAgent = new HttpsAgent({ keepAlive: true, ...this.trust(true) });
    this.slots = new Semaphore(options.concurrency);
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

  get slotsInUse(): number {
    return this.slots.inUse;
  }

  async exchange(request: HttpRequest): Promise<HttpResponse> {
    const deadline = this.options.deadline;
    if (deadline && Date.now() >= deadline.atMs) throw new StepDeadlineError(deadline);
    const release = await this.slots.acquire();
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
      const route = this.route(request);
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
      if (body.closed || body.destroyed) release();
      else {
        body.once('close', release);
        body.once('error', release);
        body.once('end', release);
      }
      this.watchBody(body, origin);
      return { status: response.status, statusText: response.statusText ?? '', url: request.url, headers: plain, body };
    } catch (error) {
      settled = true;
      timers.forEach(clearTimeout);
      release();
      const reason: unknown = abort.signal.reason;
      if (abort.signal.aborted && (reason instanceof StepDeadlineError || reason instanceof TransportError))
        throw reason;
      const failure = classifyTransportError(error);
      throw failure;
    }
  }

  private trust(insecure: boolean): HttpsAgentOptions {
    if (insecure) return { rejectUnauthorized: false };
    return this.options.ca ? { ca: this.options.ca } : {};
  }

  private route(request: HttpRequest): Route {
    const direct: Route = {
      httpAgent: this.httpAgent,
      httpsAgent: request.insecure ? this.insecureHttpsAgent : this.httpsAgent,
      proxy: undefined,
    };
    const proxy = proxyFor(this.proxies, request.url);
    if (!proxy) return direct;
    if (request.url.protocol === 'http:') {
      return {
        ...direct,
        httpAgent: this.proxyAgent('forward', () => new ForwardingAgent(proxy, { keepAlive: true }, this.options.ca)),
        proxy,
      };
    }
    const insecure = request.insecure === true;
    const tunnel = this.proxyAgent(
      insecure ? 'tunnel-insecure' : 'tunnel',
      () =>
        new TunnelingAgent(
          proxy,
          this.options.timeoutMs,
          { keepAlive: true, ...this.trust(insecure) },
          this.options.ca,
        ),
    );
    return { ...direct, httpsAgent: tunnel as HttpsAgent, proxy };
  }

  private proxyAgent(key: string, make: () => HttpAgent): HttpAgent {
    let agent = this.proxyAgents.get(key);
    if (!agent) {
      agent = make();
      this.proxyAgents.set(key, agent);
    }
    return agent;
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
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.insecureHttpsAgent.destroy();
    for (const agent of this.proxyAgents.values()) agent.destroy();
  }
}

/**
 * Read a whole (small) body, refusing more than `limit` bytes so a hostile peer cannot fill
 * memory: a larger Content-Length is refused unread, and a body that runs past the cap is cut
 * (its socket destroyed) at the first chunk beyond it.
 */
export async function readBody(response: HttpResponse, limit: number): Promise<Buffer> {
  const tooLarge = (): TransportError =>
    new TransportError('other', 'EBODYTOOLARGE', `the answer exceeds ${limit} bytes (the ${byteSize(limit)} cap)`);
  const declared = Number(response.headers['content-length'] ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit) {
    response.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      total += buffer.length;
      if (total > limit) {
        response.body.destroy();
        throw tooLarge();
      }
      chunks.push(buffer);
    }
  } catch (error) {
    throw classifyTransportError(error);
  }
  return Buffer.concat(chunks);
}

/** `4 MiB`, `64 KiB`, `100 bytes`. */
export function byteSize(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** Error answers are read for their message only. */
export const ERROR_BODY_LIMIT = 64 * 1024;

/** Read up to `limit` bytes of an error body for its message, then let the connection go. */
export async function readErrorBody(response: HttpResponse, limit = ERROR_BODY_LIMIT): Promise<Buffer | undefined> {
  try {
    return await readBody(response, limit);
  } catch {
    response.body.destroy();
    return undefined;
  }
}

/** Throw a body away; small bodies are drained so the keep-alive connection can be reused. */
export function discard(response: HttpResponse): void {
  const length = Number(response.headers['content-length'] ?? 'NaN');
  if (Number.isFinite(length) && length <= 64 * 1024) {
    response.body.on('error', () => undefined);
    response.body.resume();
  } else {
    response.body.destroy();
  }
}

export function isReadable(value: unknown): value is Readable {
  return value instanceof Readable;
}
