import { proxyEnvironment } from '../../registry/proxy-environment';
import { ProxyRoutingHttpAgent, ProxyRoutingHttpsAgent } from '../../registry/proxy-routing-agent';

/** AWS calls get bounded waits: a black-holed endpoint (or proxy) must not hang the step. */
const CONNECTION_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 60_000;

/** What the SDK's `requestHandler` option takes: NodeHttpHandler's options, agents included. */
export interface AwsRequestHandlerOptions {
  readonly connectionTimeout: number;
  readonly requestTimeout: number;
  readonly httpsAgent: ProxyRoutingHttpsAgent;
  readonly httpAgent: ProxyRoutingHttpAgent;
}

/**
 * The SDK clients' HTTP options: STS and ECR endpoints go through `HTTPS_PROXY` / `HTTP_PROXY`
 * unless `NO_PROXY` (or loopback) says otherwise, as the Go resource's SDK does. The SDK builds
 * its NodeHttpHandler from these options, so nothing more is loaded. Fresh agents per client:
 * a client's destroy() ends its agents' sockets.
 */
export function awsRequestHandler(env: NodeJS.ProcessEnv = process.env): AwsRequestHandlerOptions {
  const proxies = proxyEnvironment(env);
  return {
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    httpsAgent: new ProxyRoutingHttpsAgent(proxies, CONNECTION_TIMEOUT_MS, { keepAlive: true }),
    httpAgent: new ProxyRoutingHttpAgent(proxies, { keepAlive: true }),
  };
}
