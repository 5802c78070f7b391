import { NetworkError, RegistryError, type RegistryErrorDetails } from '../../../ports/registry-errors';
import { describeErrorBody } from '../../registry/registry-error-body';
import type { TransportError } from '../../registry/transport-error';
import type { NotarySettings } from './notary-settings';

/** notary-server refused an upload because the collection moved on meanwhile (`VERSION`). */
export class VersionConflictError extends RegistryError {
  override readonly name: string = 'VersionConflictError';
  constructor(message: string, details: RegistryErrorDetails = {}) {
    super(message, details);
  }
}

/**
 * notary-server's errors are the registry's `{"errors":[{code, message, detail}]}`, but the
 * reason (`ErrBadHierarchy … snapshot key`) is only in `detail`.
 */
export function describeNotaryError(body: Buffer): string {
  const base = describeErrorBody(body);
  try {
    const json = JSON.parse(body.toString('utf8')) as { errors?: { detail?: unknown }[] };
    const details = (json.errors ?? [])
      .map((e) => (typeof e.detail === 'string' ? e.detail : e.detail === undefined ? '' : JSON.stringify(e.detail)))
      .filter((d) => d !== '' && d !== 'null');
    if (details.length === 0) return base;
    const text = details.join('; ').replace(/\s+/g, ' ');
    return `${base} (${text.length > 300 ? `${text.slice(0, 300)}…` : text})`;
  } catch {
    return base;
  }
}

/** A connection failure to the Notary server, with the setting that fixes it. */
export function notaryTransportFailure(failure: TransportError, settings: NotarySettings): NetworkError {
  const origin = settings.server.origin;
  if (failure.kind === 'tls-certificate') {
    return new NetworkError(
      'tls-certificate',
      `TLS certificate of Notary server ${origin} is not trusted: ${failure.message}; add its CA certificate to source.ca_certs${settings.insecure ? '' : ', or set source.insecure: true to skip verification'}`,
      { cause: failure },
    );
  }
  if (failure.kind === 'tls-handshake') {
    const hint = /certificate required|handshake failure|bad certificate/i.test(failure.message)
      ? settings.clientCertificate
        ? '; the server did not accept content_trust.tls_cert'
        : '; the server may require a client certificate (content_trust.tls_cert and tls_key)'
      : '';
    return new NetworkError(
      'tls-handshake',
      `TLS handshake with Notary server ${origin} failed: ${failure.message}${hint}`,
      {
        cause: failure,
      },
    );
  }
  return new NetworkError(failure.kind, `cannot reach Notary server ${origin}: ${failure.message}`, { cause: failure });
}
