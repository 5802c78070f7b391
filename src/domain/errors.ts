/**
 * One error taxonomy for the whole resource, told apart by subclass (instanceof), never by code.
 * The domain holds only the domain's errors; registry, network and authentication failures are
 * in src/ports/registry-errors.ts, FilesystemError beside FilesystemPort. The entrypoint renders
 * any of them as one line (src/main/render-failure.ts); `message` must never hold secrets.
 * TRANSITION (issue 17): `code` goes once the registry adapter stops passing one.
 */
export type ErrorCode =
  | 'INVALID_REQUEST' // malformed JSON, unknown field, wrong type, bad regex/constraint
  | 'CONFIGURATION' // a well-formed request that cannot work (bad PEM, tag_prefix without additional_tags)
  | 'NOT_FOUND' // repository, tag, manifest or blob unknown to the registry
  | 'AUTHENTICATION' // 401/403 after a fresh token
  | 'TLS' // certificate or handshake failure
  | 'NETWORK' // connection failures that outlived retries
  | 'REGISTRY' // any other registry answer we cannot use
  | 'DIGEST_MISMATCH' // content did not hash to its digest
  | 'UNSAFE_CONTENT' // hostile layer: path escape, decompression bomb
  | 'FILESYSTEM'; // local I/O

export class ResourceError extends Error {
  override readonly name: string = 'ResourceError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class InvalidRequestError extends ResourceError {
  override readonly name: string = 'InvalidRequestError';
  constructor(message: string) {
    super('INVALID_REQUEST', message);
  }
}

export class ConfigurationError extends ResourceError {
  override readonly name: string = 'ConfigurationError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIGURATION', message, options);
  }
}

export class DigestMismatchError extends ResourceError {
  override readonly name: string = 'DigestMismatchError';
  constructor(
    readonly expected: string,
    readonly actual: string,
    what: string,
  ) {
    super('DIGEST_MISMATCH', `${what}: content has digest ${actual}, expected ${expected}`);
  }
}

export class UnsafeContentError extends ResourceError {
  override readonly name: string = 'UnsafeContentError';
  constructor(message: string) {
    super('UNSAFE_CONTENT', message);
  }
}
