import { AuthenticationError, NetworkError } from '../../../ports/registry-errors';

/**
 * A failed ECR login step where AWS answered (or no credentials were found). The message is built
 * from AWS's error code and message only, never from the request, so it cannot carry a key,
 * secret or session token.
 */
export class EcrLoginError extends AuthenticationError {
  override readonly name: string = 'EcrLoginError';
  constructor(what: string, why: string, cause?: unknown) {
    super(`${what}: ${why}`, cause === undefined ? {} : { cause });
  }

  /** From an SDK error: a service exception or a credentials error, or AWS could not be reached. */
  static from(what: string, error: unknown): EcrLoginError | EcrUnreachableError {
    const why = describeAwsFailure(error);
    return reachedAws(error) ? new EcrLoginError(what, why, error) : new EcrUnreachableError(what, why, error);
  }
}

/** An ECR login step that could not reach AWS (STS or ECR): a network failure, worded like EcrLoginError. */
export class EcrUnreachableError extends NetworkError {
  override readonly name: string = 'EcrUnreachableError';
  constructor(what: string, why: string, cause: unknown) {
    super('other', `${what}: ${why}`, { cause });
  }
}

/** `AccessDenied: not authorized … (HTTP 403)`, or the network failure, on one short line. */
export function describeAwsFailure(error: unknown): string {
  const name = stringField(error, 'name');
  const code = stringField(error, 'code');
  const message = (stringField(error, 'message') ?? String(error)).replace(/\s*\n\s*/g, ' ').trim();
  const status = httpStatus(error);
  const label = name && name !== 'Error' ? name : code;
  const parts = [label && !message.includes(label) ? `${label}: ${message}` : message];
  if (status !== undefined) parts.push(`(HTTP ${status})`);
  return clip(parts.join(' '));
}

function reachedAws(error: unknown): boolean {
  return httpStatus(error) !== undefined || stringField(error, 'name') === 'CredentialsProviderError';
}

function httpStatus(error: unknown): number | undefined {
  const metadata = field(error, '$metadata');
  const status = field(metadata, 'httpStatusCode');
  return typeof status === 'number' ? status : undefined;
}

function stringField(value: unknown, name: string): string | undefined {
  const found = field(value, name);
  return typeof found === 'string' && found !== '' ? found : undefined;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
