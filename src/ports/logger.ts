export const Logger = Symbol('Logger');

/** Human logs, always to stderr. Messages must never contain secrets. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** Printed only with `source.debug: true`. */
  debug(message: string): void;
  /** Whether detailed logging is on (progress output switches mode on it). */
  readonly debugEnabled: boolean;
  /** A value learnt at run time (a provider's token) that must be scrubbed like the request's secrets. */
  registerSecret?(secret: string): void;
}
