import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions as HttpsAgentOptions } from 'node:https';
import { ipFamily } from './ip-family';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { ProxyServer } from './proxy-environment';
import { classifyTransportError, TransportError } from './transport-error';

/**
 * HTTPS through a forward proxy: each pooled connection is a CONNECT tunnel with TLS to the
 * registry inside it, verified with this agent's own `ca` / `rejectUnauthorized` exactly as a
 * direct connection would be. Keep-alive pools the TLS sockets, so one tunnel serves many requests.
 */
export class TunnelingAgent extends HttpsAgent {
  constructor(
    private readonly proxy: ProxyServer,
    private readonly connectTimeoutMs: number,
    options: HttpsAgentOptions,
    /** Trust for an https:// proxy's own certificate (never skipped: `insecure` is per registry). */
    private readonly proxyCa: string[] | undefined,
  ) {
    super(options);
  }

  /** Asynchronous: Node's Agent waits for `callback` when this returns nothing. */
  override createConnection(
    options: RequestOptions & ConnectionOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): undefined {
    tlsThroughTunnel(this.proxy, options, this.connectTimeoutMs, this.proxyCa, callback);
    return undefined;
  }
}

interface AgentInternals {
  addRequest(request: ClientRequest, options: RequestOptions): void;
}

/**
 * Plain HTTP through a forward proxy: the request line carries the absolute URI and the
 * connection goes to the proxy (pooled per proxy), as Go does for `HTTP_PROXY`.
 */
export class ForwardingAgent extends HttpAgent {
  constructor(
    private readonly proxy: ProxyServer,
    options: ConstructorParameters<typeof HttpAgent>[0],
    private readonly proxyCa: string[] | undefined,
  ) {
    super(options);
    // Node's Agent has no public hook before the request line is written; addRequest runs first.
    const internals = this as unknown as AgentInternals;
    const addRequest = internals.addRequest.bind(this);
    internals.addRequest = (request, requestOptions) => forwardToProxy(proxy, request, requestOptions, addRequest);
  }

  override createConnection(
    options: RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    if (!this.proxy.tls) return super.createConnection(options, callback);
    return tlsConnect(proxyTlsOptions(this.proxy, this.proxyCa));
  }
}

/**
 * TLS to `options.host` inside a CONNECT tunnel through `proxy`, handed to an Agent's
 * `createConnection` callback. Agent options (ca, rejectUnauthorized) and the request's
 * servername are already merged into `options`.
 */
export function tlsThroughTunnel(
  proxy: ProxyServer,
  options: RequestOptions & ConnectionOptions,
  timeoutMs: number,
  proxyCa: string[] | undefined,
  callback?: (err: Error | null, stream: Duplex) => void,
): void {
  const host = options.hostname ?? options.host ?? 'localhost';
  const port = Number(options.port ?? 443);
  openTunnel(proxy, host, port, timeoutMs, proxyCa).then(
    (socket) => {
      const { agent: _agent, ...tlsOptions } = options;
      callback?.(null, tlsConnect({ ...tlsOptions, socket, host, port }));
    },
    (error: unknown) => {
      // Node ignores the stream argument when there is an error; its type just cannot say so.
      callback?.(error instanceof Error ? error : new Error(String(error)), undefined as never);
    },
  );
}

/** Rewrites a plain HTTP request for a forward proxy (absolute URI, Proxy-Authorization) and queues it there. */
export function forwardToProxy(
  proxy: ProxyServer,
  request: ClientRequest,
  requestOptions: RequestOptions,
  addRequest: (request: ClientRequest, options: RequestOptions) => void,
): void {
  const host = requestOptions.hostname ?? requestOptions.host ?? 'localhost';
  const authority = requestOptions.port ? `${bracketed(host)}:${String(requestOptions.port)}` : bracketed(host);
  request.path = `http://${authority}${request.path}`;
  if (proxy.authorization) request.setHeader('Proxy-Authorization', proxy.authorization);
  addRequest(request, { ...requestOptions, host: proxy.hostname, hostname: proxy.hostname, port: proxy.port });
}

export function proxyTlsOptions(proxy: ProxyServer, ca: string[] | undefined): ConnectionOptions {
  return {
    host: proxy.hostname,
    port: proxy.port,
    ...(ipFamily(proxy.hostname) === 0 ? { servername: proxy.hostname } : {}),
    ...(ca ? { ca } : {}),
  };
}

/** CONNECT host:port through the proxy; resolves the raw tunnel socket once the proxy says 200. */
export function openTunnel(
  proxy: ProxyServer,
  host: string,
  port: number,
  timeoutMs: number,
  proxyCa: string[] | undefined,
): Promise<Socket> {
  const target = `${bracketed(host)}:${port}`;
  return new Promise<Socket>((resolve, reject) => {
    const headers: Record<string, string> = { Host: target };
    if (proxy.authorization) headers['Proxy-Authorization'] = proxy.authorization;
    const common = { method: 'CONNECT', path: target, headers, agent: false as const };
    const request = proxy.tls
      ? httpsRequest({ ...common, ...proxyTlsOptions(proxy, proxyCa) })
      : httpRequest({ ...common, host: proxy.hostname, port: proxy.port });
    if (timeoutMs > 0) {
      request.setTimeout(timeoutMs, () =>
        request.destroy(new TransportError('timeout', 'ETIMEDOUT', `no answer for ${timeoutMs} ms`)),
      );
    }
    request.once('connect', (response, socket: Socket, head: Buffer) => {
      request.setTimeout(0);
      const status = response.statusCode ?? 0;
      if (status === 200) {
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
        return;
      }
      socket.destroy();
      reject(proxyRefusal(proxy, `CONNECT ${target}`, status, response.statusMessage ?? ''));
    });
    request.once('error', (error: unknown) => reject(proxyFailure(proxy, error)));
    request.end();
  });
}

/**
 * A failure to reach the proxy names the proxy. Its certificate is the proxy's, not the
 * registry's: the kind is changed so the registry's "not trusted / set insecure" advice is not given.
 */
function proxyFailure(proxy: ProxyServer, error: unknown): TransportError {
  const failure = classifyTransportError(error);
  const where = `proxy ${proxy.origin} (${proxy.source})`;
  if (failure.kind === 'tls-certificate') {
    // No cause, no code and no "TLS" in the text: the transport error classifier must not read
    // this as a problem with the registry's certificate, whose advice (`insecure`) would not help.
    return new TransportError(
      'other',
      undefined,
      `${where} presents a certificate that is not trusted (${failure.message}); add its CA certificate to source.ca_certs`,
    );
  }
  return new TransportError(failure.kind, failure.code, `${where}: ${failure.message}`, { cause: failure });
}

/** The one line for a proxy that said no; a 407 says whose credentials were (or were not) sent. */
export function proxyRefusal(proxy: ProxyServer, what: string, status: number, reason: string): TransportError {
  const where = `proxy ${proxy.origin} (${proxy.source})`;
  if (status === 407) {
    const message =
      proxy.username === undefined
        ? `${where} requires authentication (HTTP 407 to ${what}); put credentials in ${proxy.source} as http://user:password@host:port`
        : `${where} rejected the credentials of user ${proxy.username} (HTTP 407 to ${what})`;
    return new TransportError('other', 'EPROXYAUTH', message);
  }
  return new TransportError('other', 'EPROXY', `${where} refused ${what}: HTTP ${status}${reason ? ` ${reason}` : ''}`);
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
