import { AuthExchange } from './auth-exchange';
import { ConcurrencyExchange } from './concurrency-exchange';
import { BearerTokenSource } from './bearer-token-source';
import { DebugLogExchange } from './debug-log-exchange';
import { EndpointExchange } from './endpoint-exchange';
import type { Exchange, RegistryExchange } from './exchange';
import { HttpTransport } from './http-transport';
import { NetworkErrorExchange } from './network-error-exchange';
import { RateLimitExchange } from './rate-limit-exchange';
import { RateLimitGuard } from './rate-limit-guard';
import { RedirectExchange } from './redirect-exchange';
import { RegistryAuthenticator } from './registry-authenticator';
import type { ResolvedRegistryClientOptions } from './registry-client-options';
import { RegistryEndpoints } from './registry-endpoints';
import { RetryExchange } from './retry-exchange';
import { RetryPolicy, type RetrySettings } from './retry-policy';
import { tlsTrust } from './tls-trust';
import { UserAgentExchange } from './user-agent-exchange';

/** The composed stack and the pieces callers still need by name. */
export interface RegistryTransportStack {
  /** Everything: retry → scheme → auth → redirects → rate limit → network errors → HTTP. */
  readonly registry: RegistryExchange;
  /** The same without auth, for exchanges that carry their own credentials (ACR's token exchange). */
  readonly anonymous: RegistryExchange;
  /** The policy whole operations run under when a streamed body rules out per-request retries. */
  readonly retry: RetryPolicy;
  readonly endpoints: RegistryEndpoints;
  /** Exchanges (and open bodies) in flight. */
  slotsInUse(): number;
  /** Idle keep-alive connections go, so the process can exit promptly. */
  close(): void;
}

/**
 * The one place the registry transport is put together, outermost first (each line one file):
 *
 *   RetryExchange        temporary RegistryErrors and 429/5xx retried under the shared policy
 *   EndpointExchange     HTTPS or plain HTTP per registry, `insecure` for its host only
 *   AuthExchange         Basic / Bearer from the challenge, one refresh on 401   (not in `anonymous`)
 *   RedirectExchange     GET/HEAD redirects, Authorization dropped across origins, max 10
 *   RateLimitExchange    pull budgets observed, manifest GETs held while none is left
 *   NetworkErrorExchange failures below HTTP become NetworkErrors (TLS explained)
 *   DebugLogExchange     one redacted debug line per exchange
 *   UserAgentExchange    our User-Agent
 *   ConcurrencyExchange  at most `concurrency` exchanges in flight, open bodies included
 *   inner                HttpTransport (timeouts; TransportAgents: proxies, TLS trust), or
 *                        `options.transport` (a test's fake, the bench's delay proxy)
 *
 * Pings (RegistryEndpoints) and token fetches (BearerTokenSource) go through the plain-HTTP part
 * (debug log, user agent, inner): they classify their own failures and run their own retries.
 */
export function registryTransportStack(settings: ResolvedRegistryClientOptions): RegistryTransportStack {
  const { logger, deadline } = settings;
  let transport: HttpTransport | undefined;
  const inner: Exchange =
    settings.transport ??
    (transport = new HttpTransport({
      ca: tlsTrust(settings.caCerts),
      timeoutMs: settings.timeoutMs,
      ...(deadline ? { deadline } : {}),
    }));
  const retrySettings: RetrySettings = { ...settings.retry, ...(deadline ? { deadlineAtMs: deadline.atMs } : {}) };
  const bounded = new ConcurrencyExchange(inner, settings.concurrency);
  const http = new DebugLogExchange(new UserAgentExchange(bounded, settings.userAgent), logger);
  const retry = new RetryPolicy(retrySettings, logger);
  const endpoints = new RegistryEndpoints(http, retry, logger, settings.insecureRegistries);
  const authenticator = new RegistryAuthenticator(settings.auth, new BearerTokenSource(http, retry, logger));
  const below = new RateLimitExchange(
    new NetworkErrorExchange(http, (registry) => endpoints.isInsecure(registry)),
    new RateLimitGuard(logger, retrySettings),
  );
  const redirects = new RedirectExchange(below);
  return {
    registry: new RetryExchange(
      new EndpointExchange(new AuthExchange(redirects, endpoints, authenticator), endpoints),
      retry,
    ),
    anonymous: new RetryExchange(new EndpointExchange(redirects, endpoints), retry),
    retry,
    endpoints,
    slotsInUse: () => bounded.inUse,
    close: () => transport?.close(),
  };
}
