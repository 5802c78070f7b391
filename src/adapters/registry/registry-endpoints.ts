import { DOCKER_HUB, DOCKER_HUB_API_HOST, registryHostname } from '../../domain/image-reference';
import type { Logger } from '../../ports/logger';
import { NetworkError, RegistryError, redactUrl } from '../../ports/registry-errors';
import type { Exchange } from './exchange';
import { discard } from './http-body';
import { unreachable } from './network-error-exchange';
import { mayUsePlainHttp } from './plain-http-hosts';
import { isRetryableStatus, type RetryPolicy, parseRetryAfter } from './retry-policy';
import { TransportError, classifyTransportError } from './transport-error';
import { parseWwwAuthenticate, type Challenge } from './www-authenticate';

/** Where and how one registry is reached for this run. */
export interface RegistryEndpoint {
  readonly registry: string;
  /** `scheme://host[:port]` of the distribution API. */
  readonly base: URL;
  /** Certificate verification is skipped for this registry's host. */
  readonly insecure: boolean;
  /** What the registry asked for at `/v2/`, refreshed by later 401s. */
  challenges: Challenge[];
}

/** The host serving a registry's API: Docker Hub's name differs from its API host. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB || registry === 'docker.io' ? DOCKER_HUB_API_HOST : registry;
}

/**
 * Resolves each registry once per run: scheme (HTTPS, or plain HTTP for insecure, loopback and
 * private-address registries that do not speak TLS, as go-containerregistry does) and its auth
 * challenge.
 */
export class RegistryEndpoints {
  private readonly cache = new Map<string, Promise<RegistryEndpoint>>();

  constructor(
    private readonly transport: Exchange,
    private readonly retry: RetryPolicy,
    private readonly logger: Logger,
    private readonly insecureRegistries: readonly string[],
  ) {}

  isInsecure(registry: string): boolean {
    return this.insecureRegistries.includes(registry);
  }

  resolve(registry: string): Promise<RegistryEndpoint> {
    let endpoint = this.cache.get(registry);
    if (!endpoint) {
      endpoint = this.ping(registry);
      // A failed resolution must not poison the rest of the run (e.g. a registry still starting).
      endpoint.catch(() => this.cache.delete(registry));
      this.cache.set(registry, endpoint);
    }
    return endpoint;
  }

  private async ping(registry: string): Promise<RegistryEndpoint> {
    const host = apiHost(registry);
    const insecure = this.isInsecure(registry);
    const mayUseHttp = insecure || mayUsePlainHttp(registry);
    const https = new URL(`https://${host}`);
    if (!mayUseHttp) {
      const challenges = await this.retry.run(`connecting to ${registry}`, () =>
        this.pingOnce(registry, https, insecure),
      );
      return { registry, base: https, insecure, challenges };
    }
    const probe = await this.probeHttps(registry, https, insecure);
    if (probe.speaksTls) {
      const challenges =
        probe.challenges ??
        (await this.retry.run(`connecting to ${registry}`, () => this.pingOnce(registry, https, insecure)));
      return { registry, base: https, insecure, challenges };
    }
    const http = new URL(`http://${host}`);
    this.logger.debug(`${registry}: HTTPS failed (${probe.failure.message}); trying plain HTTP`);
    try {
      const challenges = await this.retry.run(`connecting to ${registry}`, () =>
        this.pingOnce(registry, http, insecure),
      );
      return { registry, base: http, insecure, challenges };
    } catch (error) {
      if (error instanceof NetworkError) {
        throw new NetworkError(error.kind, `${error.message} (HTTPS failed too: ${probe.failure.message})`, {
          ...error.details,
          cause: error,
        });
      }
      throw error;
    }
  }

  /**
   * One HTTPS try for a registry that may also speak plain HTTP. Any HTTP answer proves TLS (its
   * challenges are kept unless the answer was a retryable error); an untrusted certificate is a
   * TLS error, not a reason to downgrade; other connection failures mean "try HTTP".
   */
  private async probeHttps(
    registry: string,
    https: URL,
    insecure: boolean,
  ): Promise<{ speaksTls: true; challenges?: Challenge[] } | { speaksTls: false; failure: TransportError }> {
    try {
      return { speaksTls: true, challenges: await this.pingOnce(registry, https, insecure) };
    } catch (error) {
      // An HTTP answer, even a server error, proves the port speaks TLS.
      if (error instanceof RegistryError && !(error instanceof NetworkError) && error.temporary)
        return { speaksTls: true };
      if (!(error instanceof NetworkError) || !(error.cause instanceof TransportError)) throw error;
      if (error.kind === 'tls-certificate') throw error;
      return { speaksTls: false, failure: error.cause };
    }
  }

  /** One `GET /v2/`; any answer but a server error or a 400 (an HTTPS server spoken to in HTTP) settles the scheme. */
  private async pingOnce(registry: string, base: URL, insecure: boolean): Promise<Challenge[]> {
    const url = new URL('/v2/', base);
    let response;
    try {
      response = await this.transport.exchange({ method: 'GET', url, insecure });
    } catch (error) {
      throw unreachable(registry, base, classifyTransportError(error), insecure);
    }
    discard(response);
    const details = { method: 'GET', url: redactUrl(url), status: response.status };
    if (isRetryableStatus(response.status)) {
      const retryAfterMs = parseRetryAfter(response.headers['retry-after'], Date.now());
      throw new RegistryError(`registry ${registry} answered HTTP ${response.status} at ${url.toString()}`, {
        ...details,
        temporary: true,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    if (response.status === 400 && base.protocol === 'http:') {
      throw new NetworkError(
        'other',
        `registry ${registry} rejected plain HTTP (HTTP 400); it probably serves HTTPS only`,
        details,
      );
    }
    return response.status === 401 ? parseWwwAuthenticate(response.headers['www-authenticate']) : [];
  }
}

export function hostnameOf(registry: string): string {
  return registryHostname(apiHost(registry));
}

/** `https://API-HOST/v2/PATH/TARGET`: the scheme is settled per request by EndpointExchange. */
export function registryUrl(registry: string, path: string, target: string): URL {
  return new URL(`https://${apiHost(registry)}/v2/${path}/${target}`);
}
