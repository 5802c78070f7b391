import { ResourceError, type ErrorCode } from '../domain/errors';

/** One entry of a registry's `{"errors": [...]}` body (OCI distribution-spec error codes). */
export interface RegistryDiagnostic {
  readonly code: string;
  readonly message?: string;
  readonly detail?: unknown;
}

/** How a connection failed below HTTP (no status code). */
export type NetworkFailureKind =
  'refused' | 'reset' | 'timeout' | 'deadline' | 'dns' | 'tls-certificate' | 'tls-handshake' | 'other';

/**
 * What we know about a failed registry exchange. Every field is optional because not every
 * failure is an HTTP answer (a manifest missing from an index has no status). `url` is always
 * redacted: origin and path, never a query string or userinfo.
 */
export interface RegistryErrorDetails {
  readonly method?: string;
  readonly url?: string;
  readonly status?: number;
  readonly diagnostics?: readonly RegistryDiagnostic[];
  /** True when trying again later may succeed (429, 5xx, a dropped connection). */
  readonly temporary?: boolean;
  readonly cause?: unknown;
}

/**
 * A failure while talking to a registry, or an answer we cannot use. The retry layer and the use
 * cases read the fields, never the message. TRANSITION: the string code goes away once every
 * thrower uses a subclass (issue 17).
 */
export class RegistryError extends ResourceError {
  override readonly name: string = 'RegistryError';
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly status: number | undefined;
  readonly diagnostics: readonly RegistryDiagnostic[];
  readonly temporary: boolean;
  constructor(message: string, details: RegistryErrorDetails = {}, code: ErrorCode = 'REGISTRY') {
    super(code, message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.method = details.method;
    this.url = details.url;
    this.status = details.status;
    this.diagnostics = details.diagnostics ?? [];
    this.temporary = details.temporary ?? false;
  }
}

/** The repository, tag, manifest, blob or platform asked for does not exist. */
export class NotFoundError extends RegistryError {
  override readonly name: string = 'NotFoundError';
  constructor(message: string, details: RegistryErrorDetails = {}) {
    super(message, details, 'NOT_FOUND');
  }
}

/** The registry (or a credential provider) refused our credentials: 401/403 after a fresh token. */
export class AuthenticationError extends RegistryError {
  override readonly name: string = 'AuthenticationError';
  constructor(message: string, details: RegistryErrorDetails = {}) {
    super(message, details, 'AUTHENTICATION');
  }
}

/** A connection failure that outlived retries, TLS trust and handshake failures included. */
export class NetworkError extends RegistryError {
  override readonly name: string = 'NetworkError';
  constructor(
    readonly kind: NetworkFailureKind,
    message: string,
    details: RegistryErrorDetails = {},
  ) {
    super(message, details, kind === 'tls-certificate' || kind === 'tls-handshake' ? 'TLS' : 'NETWORK');
  }
}
