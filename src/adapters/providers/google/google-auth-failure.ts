/**
 * What went wrong in a google-auth-library call, as a short phrase for a one-line error: the
 * HTTP status and OAuth error code of a refusal (`HTTP 400 invalid_grant: Invalid JWT
 * Signature.`), or the network failure. Built from the response's fields, never from request
 * data, so an assertion or token can never end up in the message.
 */
export function describeGoogleFailure(error: unknown): string {
  const response = field(error, 'response');
  const status = field(response, 'status');
  if (typeof status === 'number') {
    const data = field(response, 'data');
    const code = field(data, 'error');
    const description = field(data, 'error_description');
    const parts = [`HTTP ${status}`];
    if (typeof code === 'string') parts.push(typeof description === 'string' ? `${code}: ${description}` : code);
    else if (typeof data === 'string' && data.trim() !== '') parts.push(data.trim());
    return clip(`${parts.join(' ')}${endpointOf(error)}`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return clip(message.replace(/\s*\n\s*/g, ' '));
}

/** ` from https://host/path`, without the query (the metadata token URL carries the scopes). */
function endpointOf(error: unknown): string {
  const url = field(field(error, 'config'), 'url');
  const text = url instanceof URL ? url.href : typeof url === 'string' ? url : undefined;
  if (!text) return '';
  try {
    const parsed = new URL(text);
    return ` from ${parsed.origin}${parsed.pathname}`;
  } catch {
    return '';
  }
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
