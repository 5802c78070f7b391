import type { RegistryExchange } from './registry-exchange';

/** The error codes of the OCI distribution spec this registry answers with, and their HTTP status. */
export const OCI_ERROR_STATUS = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNSUPPORTED: 405,
  RANGE_INVALID: 416,
} as const;

export type OciErrorCode = keyof typeof OCI_ERROR_STATUS;

/** An API failure that becomes `{"errors":[{code,message,detail}]}` with its status. */
export class OciError extends Error {
  override readonly name = 'OciError';
  constructor(
    readonly code: OciErrorCode,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
  }

  get status(): number {
    return OCI_ERROR_STATUS[this.code];
  }

  body(): string {
    return JSON.stringify({
      errors: [
        { code: this.code, message: this.message, ...(this.detail !== undefined ? { detail: this.detail } : {}) },
      ],
    });
  }
}

/** The answer to a method the endpoint does not serve. */
export function methodNotAllowed(x: RegistryExchange): OciError {
  return new OciError('UNSUPPORTED', `${x.method} is not supported on ${x.url.pathname}`);
}

/** Anything thrown while answering, as the OCI error a client can read. */
export function toOciError(error: unknown): OciError {
  return error instanceof OciError
    ? error
    : new OciError('UNSUPPORTED', `internal error: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * Answers with the error body, or cuts the connection when a response was already under way
 * (a client must not take half a blob for a whole one).
 */
export function answerWithError(x: RegistryExchange, error: unknown): void {
  const oci = toOciError(error);
  if (!x.res.headersSent) {
    const body = oci.body();
    x.res.writeHead(oci.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    x.res.end(x.method === 'HEAD' ? undefined : body);
  } else {
    x.res.destroy();
  }
  // Drain what the client still sends, so it reads our answer instead of a reset.
  x.req.resume();
}
