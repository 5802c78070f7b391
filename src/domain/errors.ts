/**
 * One error taxonomy for the whole resource, told apart by subclass (instanceof), never by code.
 * The domain holds only the domain's errors; registry, network and authentication failures are
 * in src/ports/registry-errors.ts, FilesystemError beside FilesystemPort. The entrypoint renders
 * any of them as one line (src/main/render-failure.ts); `message` must never hold secrets.
 */
export abstract class ResourceError extends Error {
  override readonly name: string = 'ResourceError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The same failure, of the same class and with the same fields, saying more (which registry it was
 * for, why retries stopped); the original stays its cause.
 */
export function restated<E extends ResourceError>(error: E, message: string): E {
  const copy = Object.create(Object.getPrototypeOf(error) as object) as E;
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(error));
  Object.defineProperty(copy, 'message', { value: message, writable: true, configurable: true });
  Object.defineProperty(copy, 'cause', { value: error, writable: true, configurable: true });
  return copy;
}

export class InvalidRequestError extends ResourceError {
  override readonly name: string = 'InvalidRequestError';
  constructor(message: string) {
    super(message);
  }
}

export class ConfigurationError extends ResourceError {
  override readonly name: string = 'ConfigurationError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class DigestMismatchError extends ResourceError {
  override readonly name: string = 'DigestMismatchError';
  constructor(
    readonly expected: string,
    readonly actual: string,
    what: string,
  ) {
    super(`${what}: content has digest ${actual}, expected ${expected}`);
  }
}

export class UnsafeContentError extends ResourceError {
  override readonly name: string = 'UnsafeContentError';
  constructor(message: string) {
    super(message);
  }
}
