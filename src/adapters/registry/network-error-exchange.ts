import { NetworkError, redactUrl } from '../../ports/registry-errors';
import type { Exchange, RegistryExchange, RegistryRequest } from './exchange';
import type { HttpResponse } from './http-transport';
import { mayUsePlainHttp } from './plain-http-hosts';
import { classifyTransportError, type TransportError } from './transport-error';

/**
 * Turns a failure below HTTP into a NetworkError naming what we were doing: TLS problems with
 * their fix, and `temporary` set for what a later try may get through (the registry answered its
 * ping, so even a refused connection is a blip: a restart, a load balancer).
 */
export class NetworkErrorExchange implements RegistryExchange {
  constructor(
    private readonly inner: Exchange,
    private readonly isInsecure: (registry: string) => boolean,
  ) {}

  async exchange(request: RegistryRequest): Promise<HttpResponse> {
    try {
      return await this.inner.exchange(request);
    } catch (error) {
      const failure = classifyTransportError(error);
      const { registry, what } = request.context;
      const tls = tlsFailure(registry, new URL(request.url.origin), failure, this.isInsecure(registry));
      if (tls) throw tls;
      throw new NetworkError(failure.kind, `${what} failed: ${failure.message}`, {
        method: request.method,
        url: redactUrl(request.url),
        temporary: ['reset', 'timeout', 'refused', 'tls-handshake'].includes(failure.kind),
        cause: failure,
      });
    }
  }
}

/**
 * An untrusted certificate, or a handshake with a registry that must speak TLS, explained with
 * its fix; `undefined` for anything else (including a handshake failure where plain HTTP may follow).
 */
export function tlsFailure(
  registry: string,
  base: URL,
  failure: TransportError,
  insecure: boolean,
): NetworkError | undefined {
  const details = { url: redactUrl(base), cause: failure };
  if (failure.kind === 'tls-certificate') {
    return new NetworkError(
      failure.kind,
      `TLS certificate of registry ${registry} is not trusted: ${failure.message}; add its CA certificate to source.ca_certs${insecure ? '' : ', or set source.insecure: true to skip verification'}`,
      details,
    );
  }
  if (failure.kind === 'tls-handshake' && base.protocol === 'https:' && !insecure && !mayUsePlainHttp(registry)) {
    return new NetworkError(
      failure.kind,
      `TLS handshake with registry ${registry} failed: ${failure.message}; if it serves plain HTTP set source.insecure: true, if it uses a private CA set source.ca_certs`,
      details,
    );
  }
  return undefined;
}

/** A registry we could not reach at all (its ping): TLS explained, DNS hiccups and drops retried. */
export function unreachable(registry: string, base: URL, failure: TransportError, insecure: boolean): NetworkError {
  return (
    tlsFailure(registry, base, failure, insecure) ??
    new NetworkError(failure.kind, `cannot reach registry ${registry} at ${base.origin}: ${failure.message}`, {
      url: redactUrl(base),
      temporary:
        failure.kind === 'reset' ||
        failure.kind === 'timeout' ||
        (failure.kind === 'dns' && failure.code === 'EAI_AGAIN'),
      cause: failure,
    })
  );
}
