import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import axios, { type AxiosInstance } from 'axios';
import { ForwardingAgent, proxyRefusal, TunnelingAgent } from './proxy-agent';
import { proxyEnvironment, proxyFor, type ProxyEnvironment, type ProxyServer } from './proxy-environment';
import { Semaphore } from './semaphore';
import { classifyTransportError, TransportError } from './transport-error';

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
  readonly userAgent: string;
  /** Idle time allowed while connecting, waiting for headers or between body bytes. */
  readonly timeoutMs: number;
  /** Forward proxies and NO_PROXY; by default read from the environment as Go's client does. */
  readonly proxy?: ProxyEnvironment;
}

interface Route {
  readonly httpAgent: HttpAgent;
  readonly httpsAgent: HttpsAgent;
  readonly proxy: ProxyServer | undefined;
}

/**
 * One HTTP exchange on axios, nothing more: no auth, no retries, no redirects (each is a separate
 * concern above). Keep-alive agents are shared for the run; a semaphore bounds exchanges in flight,
 * each holding its slot until its response body closes. Proxies (HTTPS_PROXY, HTTP_PROXY,
 * NO_PROXY) are chosen per URL and applied by our own agents, never by axios.
 */
export class HttpTransport {
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
    const release = await this.slots.acquire();
    try {
      const headers: Record<string, string> = { 'User-Agent': this.options.userAgent, ...request.headers };
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
        data: request.body,
        timeout: this.options.timeoutMs,
        httpAgent: route.httpAgent,
        httpsAgent: route.httpsAgent,
      });
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
      this.armIdleTimeout(body);
      return { status: response.status, statusText: response.statusText ?? '', url: request.url, headers: plain, body };
    } catch (error) {
      release();
      throw classifyTransportError(error);
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

  /** A stalled body errors instead of hanging the step; the timer restarts on every chunk. */
  private armIdleTimeout(body: Readable): void {
    const ms = this.options.timeoutMs;
    if (ms <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => body.destroy(new TransportError('timeout', 'ETIMEDOUT', `no data for ${ms} ms`)), ms);
      timer.unref();
    };
    arm();
    body.on('data', arm);
    body.on('resume', arm);
    // A consumer applying backpressure is not a stalled server.
    body.on('pause', () => clearTimeout(timer));
    body.once('close', () => clearTimeout(timer));
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.insecureHttpsAgent.destroy();
    for (const agent of this.proxyAgents.values()) agent.destroy();
  }
}

/** Read a whole (small) body, refusing more than `limit` bytes so a hostile peer cannot fill memory. */
export async function readBody(response: HttpResponse, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      total += buffer.length;
      if (total > limit) {
        response.body.destroy();
        throw new TransportError('other', 'EBODYTOOLARGE', `response body exceeds ${limit} bytes`);
      }
      chunks.push(buffer);
    }
  } catch (error) {
    throw classifyTransportError(error);
  }
  return Buffer.concat(chunks);
}

/** Read up to `limit` bytes of an error body for its message, then let the connection go. */
export async function readErrorBody(response: HttpResponse, limit = 64 * 1024): Promise<Buffer | undefined> {
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
