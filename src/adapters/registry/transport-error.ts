/** How a connection failed, as far as deciding "retry, fall back to HTTP, or explain TLS" needs. */
export type TransportErrorKind =
  | 'refused' // nothing listens: wrong port, or the registry is down
  | 'reset' // connection dropped, socket hang up, body cut short, HTTP/2 stream reset
  | 'timeout'
  | 'deadline' // the whole step's time is up: never retried
  | 'dns'
  | 'tls-certificate' // the peer speaks TLS but we do not trust its certificate
  | 'tls-handshake' // the peer does not speak TLS (plain HTTP) or the handshake broke
  | 'other';

/** A failure below HTTP (no status code). Internal to the registry adapter. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: TransportErrorKind,
    readonly code: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'INVALID_CA',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
]);

/** Connection-level faults that the Go resource classes as transient: reset, unexpected EOF, HTTP/2 stream errors. */
const RESET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_STREAM_CANCEL',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_INVALID_SESSION',
]);

function codesOf(error: unknown): { codes: string[]; messages: string[] } {
  const codes: string[] = [];
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof e.code === 'string') codes.push(e.code);
    if (typeof e.message === 'string') messages.push(e.message);
    current = e.cause;
  }
  return { codes, messages };
}

/** Map a Node/axios error to a TransportError, keeping its code and a one-line reason. */
export function classifyTransportError(error: unknown): TransportError {
  if (error instanceof TransportError) return error;
  const { codes, messages } = codesOf(error);
  const text = messages.join(' ');
  const code = codes.find((c) => c !== 'ERR_BAD_REQUEST' && c !== 'ERR_NETWORK') ?? codes[0];
  const reason = messages.find((m) => m !== '') ?? String(error);
  const has = (c: string): boolean => codes.includes(c);
  let kind: TransportErrorKind = 'other';
  if (codes.some((c) => CERTIFICATE_CODES.has(c) || c.startsWith('CERT_'))) kind = 'tls-certificate';
  else if (has('ECONNREFUSED')) kind = 'refused';
  else if (codes.some((c) => RESET_CODES.has(c))) kind = 'reset';
  else if (has('ETIMEDOUT') || has('ECONNABORTED') || has('ERR_TIMEOUT')) kind = 'timeout';
  else if (has('ENOTFOUND') || has('EAI_AGAIN')) kind = 'dns';
  else if (has('EPROTO') || codes.some((c) => c.startsWith('ERR_SSL_'))) kind = 'tls-handshake';
  else if (/socket hang up|aborted|premature close|unexpected (end of file|EOF)/i.test(text)) kind = 'reset';
  else if (/timeout/i.test(text)) kind = 'timeout';
  else if (/\b(ssl|tls)\b/i.test(text)) kind = 'tls-handshake';
  return new TransportError(kind, code, code && !reason.includes(code) ? `${reason} (${code})` : reason, {
    cause: error,
  });
}

/**
 * A connection that broke under an exchange (reset, cut short, HTTP/2 stream reset): what `in` and
 * `out` wait out on the step's long schedule. Refusals, timeouts and DNS failures are not: a
 * registry that is down or misnamed should fail the step in seconds, not in an hour.
 */
export function isDroppedConnection(error: TransportError): boolean {
  return error.kind === 'reset';
}
