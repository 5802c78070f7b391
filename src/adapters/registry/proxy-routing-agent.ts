import { Agent as HttpAgent, type ClientRequest, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { forwardToProxy, proxyTlsOptions, tlsThroughTunnel } from './proxy-agent';
import { proxyFor, type ProxyEnvironment, type ProxyServer } from './proxy-environment';

/**
 * Agents for clients that are not ours (the AWS SDK's): each connection decides by its own host
 * and port, with Go's rules (`proxyFor`), whether it goes through `HTTPS_PROXY` / `HTTP_PROXY` or
 * straight to the host. Pools are per host:port as usual, so a tunnel serves many requests.
 */
export class ProxyRoutingHttpsAgent extends HttpsAgent {
  constructor(
    private readonly proxies: ProxyEnvironment,
    private readonly connectTimeoutMs: number,
    options: HttpsAgentOptions = {},
  ) {
    super(options);
  }

  /** The proxy for a connection to host:port over TLS, or undefined for a direct one. */
  route(host: string, port: number): ProxyServer | undefined {
    return proxyFor(this.proxies, targetUrl('https', host, port));
  }

  override createConnection(
    options: RequestOptions & ConnectionOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const proxy = this.route(options.hostname ?? options.host ?? 'localhost', Number(options.port ?? 443));
    // https.Agent's own createConnection is synchronous: the Agent takes the returned socket.
    if (!proxy) return super.createConnection(options, callback);
    tlsThroughTunnel(proxy, options, this.connectTimeoutMs, undefined, callback);
    return undefined;
  }
}

interface AgentInternals {
  addRequest(request: ClientRequest, options: RequestOptions): void;
}

/**
 * Plain HTTP: a proxied request is sent to the proxy with the absolute URI in its request line
 * (pooled as connections to the proxy); any other goes to its host.
 */
export class ProxyRoutingHttpAgent extends HttpAgent {
  constructor(
    private readonly proxies: ProxyEnvironment,
    options: ConstructorParameters<typeof HttpAgent>[0] = {},
  ) {
    super(options);
    // Node's Agent has no public hook before the request line is written; addRequest runs first.
    const internals = this as unknown as AgentInternals;
    const addRequest = internals.addRequest.bind(this);
    internals.addRequest = (request, requestOptions) => {
      const host = requestOptions.hostname ?? requestOptions.host ?? 'localhost';
      const port = requestOptions.port ? Number(requestOptions.port) : 80;
      const proxy = this.route(host, port);
      if (!proxy) {
        addRequest(request, requestOptions);
        return;
      }
      forwardToProxy(proxy, request, requestOptions, addRequest);
    };
  }

  /** The proxy for a plain HTTP request to host:port, or undefined for a direct one. */
  route(host: string, port: number): ProxyServer | undefined {
    return proxyFor(this.proxies, targetUrl('http', host, port));
  }

  override createConnection(
    options: RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const proxy = this.proxies.http;
    const toProxy = proxy?.tls && options.host === proxy.hostname && Number(options.port) === proxy.port;
    if (!toProxy) return super.createConnection(options, callback);
    return tlsConnect(proxyTlsOptions(proxy, undefined));
  }
}

function targetUrl(scheme: 'http' | 'https', host: string, port: number): URL {
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return new URL(`${scheme}://${bracketed}:${port}`);
}
