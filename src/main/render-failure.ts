import { ResourceError } from '../domain/errors';
import { NetworkError, RegistryError } from '../ports/registry-errors';
import { redactSecrets } from '../adapters/logging/stderr-logger';

/** `user:password@` in any URL a library echoed back. */
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * A registry's answer in the words of its own fields: the status and the distribution-spec
 * diagnostics, added only when the message does not say them already.
 */
function describeRegistryError(error: RegistryError): string {
  if (error.status === undefined || error.message.includes(`HTTP ${error.status}`)) return error.message;
  const said = error.diagnostics
    .map((d) => (d.message ? `${d.code}: ${d.message}` : d.code))
    .filter((d) => !error.message.includes(d))
    .join('; ');
  return `${error.message} (HTTP ${error.status}${said ? ` ${said}` : ''})`;
}

function describe(error: unknown): string {
  if (error instanceof RegistryError) return describeRegistryError(error);
  if (error instanceof ResourceError) return error.message;
  if (error instanceof Error) return `unexpected error: ${error.message}`;
  return `unexpected error: ${String(error)}`;
}

/**
 * The one line a failed step prints (after its name): the error's own message for every
 * ResourceError, told apart by class, and "unexpected error: …" for anything else (a bug or a
 * library's surprise). Registered secrets and URL credentials never reach it.
 */
export function renderFailure(error: unknown, secrets: readonly string[] = []): string {
  return oneLine(redactSecrets(describe(error), secrets).replace(URL_USERINFO, '$1***@'));
}

/** The first RegistryError in the cause chain: a SigningError or a restated failure wraps one. */
function registryCause(error: unknown): RegistryError | undefined {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 8; depth++) {
    if (current instanceof RegistryError) return current;
    current = current.cause;
  }
  return undefined;
}

/**
 * The registry failure's fields as one line (`REGISTRY_IMAGE_TRACE=1`): class, method, redacted
 * URL, status, the registry's diagnostics, whether it was temporary, and a network failure's kind.
 * Undefined when no registry exchange is behind the error.
 */
export function renderFailureFields(error: unknown, secrets: readonly string[] = []): string | undefined {
  const failure = registryCause(error);
  if (failure === undefined) return undefined;
  const fields = [
    failure.name,
    ...(failure instanceof NetworkError ? [`kind=${failure.kind}`] : []),
    ...(failure.method !== undefined ? [`method=${failure.method}`] : []),
    ...(failure.url !== undefined ? [`url=${failure.url}`] : []),
    ...(failure.status !== undefined ? [`status=${failure.status}`] : []),
    ...(failure.diagnostics.length > 0
      ? [`diagnostics=${JSON.stringify(failure.diagnostics.map((d) => ({ code: d.code, message: d.message })))}`]
      : []),
    `temporary=${failure.temporary}`,
    ...(failure.retryAfterMs !== undefined ? [`retryAfterMs=${failure.retryAfterMs}`] : []),
  ];
  return `failure fields: ${oneLine(redactSecrets(fields.join(' '), secrets).replace(URL_USERINFO, '$1***@'))}`;
}
