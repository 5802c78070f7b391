import { DOCKER_HUB, DOCKER_HUB_API_HOST, registryHostname } from '../../domain/image-reference';
import { ResourceError } from '../../domain/errors';
import type { Logger } from '../../ports/logger';
import { discard, type HttpTransport } from './http-transport';
import { mayUsePlainHttp } from './plain-http-hosts';
import { isRetryableStatus, type RetryPolicy, TransientFailure, parseRetryAfter } from './retry-policy';
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
    private readonly transport: HttpTransport,
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
      if (error instanceof ResourceError && error.code === 'NETWORK') {
        throw new ResourceError('NETWORK', `${error.message} (HTTPS failed too: ${probe.failure.message})`, {
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
      if (error instanceof TransientFailure && !(error.final.cause instanceof TransportError))
        return { speaksTls: true };
      const cause =
        error instanceof TransientFailure
          ? error.final.cause
          : error instanceof ResourceError
            ? error.cause
            : undefined;
      if (!(cause instanceof TransportError) || cause.kind === 'tls-certificate') throw error;
      return { speaksTls: false, failure: cause };
    }
  }

  /** One `GET /v2/`; any answer but a server error or a 400 (an HTTPS server spoken to in HTTP) settles the scheme. */
  private async pingOnce(registry: string, base: URL, insecure: boolean): Promise<Challenge[]> {
    const url = new URL('/v2/', base);
    let response;
    try {
      response = await this.transport.exchange({ method: 'GET', url, insecure });
    } catch (error) {
      throw pingTransportFailure(registry, base, classifyTransportError(error), insecure);
    }
    discard(response);
    this.logger.debug(`GET ${url.toString()} -> ${response.status}`);
    if (isRetryableStatus(response.status)) {
      const final = new ResourceError(
        'REGISTRY',
        `registry ${registry} answered HTTP ${response.status} at ${url.toString()}`,
      );
      throw new TransientFailure(
        `HTTP ${response.status}`,
        final,
        parseRetryAfter(response.headers['retry-after'], Date.now()),
        response.status,
      );
    }
    if (response.status === 400 && base.protocol === 'http:') {
      throw new ResourceError(
        'NETWORK',
        `registry ${registry} rejected plain HTTP (HTTP 400); it probably serves HTTPS only`,
      );
    }
    return response.status === 401 ? parseWwwAuthenticate(response.headers['www-authenticate']) : [];
  }
}

/** TLS problems are explained with their fix; dropped or timed-out connections are retried. */
export function pingTransportFailure(registry: string, base: URL, failure: TransportError, insecure: boolean): Error {
  if (failure.kind === 'tls-certificate') {
    return new ResourceError(
      'TLS',
      `TLS certificate of registry ${registry} is not trusted: ${failure.message}; add its CA certificate to source.ca_certs${insecure ? '' : ', or set source.insecure: true to skip verification'}`,
      { cause: failure },
    );
  }
  if (failure.kind === 'tls-handshake' && base.protocol === 'https:' && !insecure && !mayUsePlainHttp(registry)) {
    return new ResourceError(
      'TLS',
      `TLS handshake with registry ${registry} failed: ${failure.message}; if it serves plain HTTP set source.insecure: true, if it uses a private CA set source.ca_certs`,
      { cause: failure },
    );
  }
  const final = new ResourceError(
    'NETWORK',
    `cannot reach registry ${registry} at ${base.origin}: ${failure.message}`,
    { cause: failure },
  );
  if (
    failure.kind === 'reset' ||
    failure.kind === 'timeout' ||
    (failure.kind === 'dns' && failure.code === 'EAI_AGAIN')
  ) {
    return new TransientFailure(failure.message, final);
  }
  return final;
}

export function hostnameOf(registry: string): string {
  return registryHostname(apiHost(registry));
}
