import { ResourceError } from '../domain/errors';
import { RegistryError } from '../ports/registry-errors';
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
