import { ResourceError } from '../domain/errors';

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
  /** How long the registry asked us to wait (`Retry-After`), when it did. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/**
 * A failure while talking to a registry, or an answer we cannot use. The retry layer and the use
 * cases read the fields, never the message.
 */
export class RegistryError extends ResourceError {
  override readonly name: string = 'RegistryError';
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly status: number | undefined;
  readonly diagnostics: readonly RegistryDiagnostic[];
  readonly temporary: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, details: RegistryErrorDetails = {}) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.method = details.method;
    this.url = details.url === undefined ? undefined : redactUrl(details.url);
    this.status = details.status;
    this.diagnostics = details.diagnostics ?? [];
    this.temporary = details.temporary ?? false;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** The fields again, e.g. to build the same kind of error with another message. */
  get details(): RegistryErrorDetails {
    return {
      ...(this.method !== undefined ? { method: this.method } : {}),
      ...(this.url !== undefined ? { url: this.url } : {}),
      ...(this.status !== undefined ? { status: this.status } : {}),
      diagnostics: this.diagnostics,
      temporary: this.temporary,
      ...(this.retryAfterMs !== undefined ? { retryAfterMs: this.retryAfterMs } : {}),
      ...(this.cause !== undefined ? { cause: this.cause } : {}),
    };
  }
}

/** The repository, tag, manifest, blob or platform asked for does not exist. */
export class NotFoundError extends RegistryError {
  override readonly name: string = 'NotFoundError';
}

/** The registry (or a credential provider) refused our credentials: 401/403 after a fresh token. */
export class AuthenticationError extends RegistryError {
  override readonly name: string = 'AuthenticationError';
}

/** A connection failure that outlived retries, TLS trust and handshake failures included. */
export class NetworkError extends RegistryError {
  override readonly name: string = 'NetworkError';
  constructor(
    readonly kind: NetworkFailureKind,
    message: string,
    details: RegistryErrorDetails = {},
  ) {
    super(message, details);
  }
}

/** Origin and path only: query strings carry signatures and tokens, userinfo carries passwords. */
export function redactUrl(url: string | URL): string {
  try {
    const parsed = typeof url === 'string' ? new URL(url) : url;
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return String(url).replace(/[?#].*$/, '');
  }
}

/** `NAME_UNKNOWN: repository name not known to registry; DENIED`: the diagnostics on one line. */
export function renderDiagnostics(diagnostics: readonly RegistryDiagnostic[]): string {
  return diagnostics
    .map((d) => (d.message !== undefined && d.message !== '' ? `${d.code}: ${d.message}` : d.code))
    .join('; ');
}

/**
 * The one-line `what failed: HTTP 404 NAME_UNKNOWN: …` for an answer we cannot use. `summary` is
 * what the body said (the diagnostics, or a proxy's plain text); `parenthesised` puts it in
 * brackets, as transient answers are written.
 */
export function renderHttpFailure(what: string, status: number, summary: string, parenthesised = false): string {
  if (summary === '') return `${what} failed: HTTP ${status}`;
  return parenthesised ? `${what} failed: HTTP ${status} (${summary})` : `${what} failed: HTTP ${status} ${summary}`;
}

/** Why a temporary failure is retried, for the retry warning: from the fields, never the message. */
export function temporaryReason(error: RegistryError): string {
  if (error instanceof NetworkError) return error.cause instanceof Error ? error.cause.message : error.kind;
  if (error.status === undefined) return error.message;
  const said = renderDiagnostics(error.diagnostics);
  return said === '' ? `HTTP ${error.status}` : `HTTP ${error.status} (${said})`;
}

/** The same kind of error, with the same fields (but `changed`), saying more (e.g. why retries stopped). */
export function reworded(
  error: RegistryError,
  message: string,
  changed: Omit<RegistryErrorDetails, 'cause'> = {},
): RegistryError {
  const details: RegistryErrorDetails = { ...error.details, ...changed, cause: error };
  if (error instanceof NetworkError) return new NetworkError(error.kind, message, details);
  if (error instanceof NotFoundError) return new NotFoundError(message, details);
  if (error instanceof AuthenticationError) return new AuthenticationError(message, details);
  return new RegistryError(message, details);
}
