import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from 'node:https';
import { ForwardingAgent, TunnelingAgent } from './proxy-agent';
import { proxyEnvironment, proxyFor, type ProxyEnvironment, type ProxyServer } from './proxy-environment';

/** The agents one request goes out on, and the proxy between, if any. */
export interface TransportRoute {
  readonly httpAgent: HttpAgent;
  readonly httpsAgent: HttpsAgent;
  readonly proxy: ProxyServer | undefined;
}

export interface TransportAgentsOptions {
  /** Trust list for HTTPS, or undefined for Node's defaults. */
  readonly ca: string[] | undefined;
  /** How long a proxy may take to answer CONNECT. */
  readonly timeoutMs: number;
  /** Forward proxies and NO_PROXY; by default read from the environment as Go's client does. */
  readonly proxy?: ProxyEnvironment;
}

/**
 * Where a request's bytes go: TLS trust (our CAs, or none for an `insecure` registry's own host)
 * and proxies (HTTPS_PROXY, HTTP_PROXY, NO_PROXY per URL: http through a forwarding agent, https
 * through a CONNECT tunnel). Keep-alive agents are shared for the run, one per kind, so each host
 * keeps its connections and TLS sessions.
 */
export class TransportAgents {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;
  private readonly insecureHttpsAgent: HttpsAgent;
  private readonly proxies: ProxyEnvironment;
  /** Agents through a proxy, made on first use: `forward`, `tunnel`, `tunnel-insecure`. */
  private readonly proxyAgents = new Map<string, HttpAgent>();

  constructor(private readonly options: TransportAgentsOptions) {
    this.proxies = options.proxy ?? proxyEnvironment(process.env);
    this.httpAgent = new HttpAgent({ keepAlive: true });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, ...this.trust(false) });
    this.insecureHttpsAgent = new HttpsAgent({ keepAlive: true, ...this.trust(true) });
  }

  route(url: URL, insecure: boolean): TransportRoute {
    const direct: TransportRoute = {
      httpAgent: this.httpAgent,
      httpsAgent: insecure ? this.insecureHttpsAgent : this.httpsAgent,
      proxy: undefined,
    };
    const proxy = proxyFor(this.proxies, url);
    if (!proxy) return direct;
    if (url.protocol === 'http:') {
      return {
        ...direct,
        httpAgent: this.proxyAgent('forward', () => new ForwardingAgent(proxy, { keepAlive: true }, this.options.ca)),
        proxy,
      };
    }
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

  /** Idle keep-alive connections go, so the process can exit promptly. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.insecureHttpsAgent.destroy();
    for (const agent of this.proxyAgents.values()) agent.destroy();
  }

  private trust(insecure: boolean): HttpsAgentOptions {
    if (insecure) return { rejectUnauthorized: false };
    return this.options.ca ? { ca: this.options.ca } : {};
  }

  private proxyAgent(key: string, make: () => HttpAgent): HttpAgent {
    let agent = this.proxyAgents.get(key);
    if (!agent) {
      agent = make();
      this.proxyAgents.set(key, agent);
    }
    return agent;
  }
}
