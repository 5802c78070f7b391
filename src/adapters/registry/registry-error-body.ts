import type { RegistryDiagnostic } from '../../ports/registry-errors';

/**
 * Turns a registry error body into one readable line. Registries answer with the distribution
 * spec's `{"errors":[{"code","message","detail"}]}`; proxies and object stores with anything.
 */
export function describeErrorBody(body: Buffer | undefined): string {
  if (!body || body.length === 0) return '';
  const text = body.toString('utf8');
  try {
    const json = JSON.parse(text) as { errors?: unknown; message?: unknown; details?: unknown };
    if (Array.isArray(json.errors) && json.errors.length > 0) {
      return json.errors
        .map((e: unknown) => {
          const entry = (e ?? {}) as { code?: unknown; message?: unknown };
          const code = typeof entry.code === 'string' ? entry.code : 'UNKNOWN';
          return typeof entry.message === 'string' && entry.message !== '' ? `${code}: ${entry.message}` : code;
        })
        .join('; ');
    }
    if (typeof json.message === 'string') return oneLine(json.message);
    if (json && typeof json === 'object' && Object.keys(json).length === 0) return '';
  } catch {
    // not JSON: fall through to the raw text
  }
  return oneLine(text);
}

/** The distribution-spec entries of a body (`code`, `message`, `detail`); none for other bodies. */
export function parseDiagnostics(body: Buffer | undefined): RegistryDiagnostic[] {
  if (!body || body.length === 0) return [];
  try {
    const json = JSON.parse(body.toString('utf8')) as { errors?: unknown };
    if (!Array.isArray(json.errors)) return [];
    return json.errors.flatMap((e: unknown) => {
      const entry = (e ?? {}) as { code?: unknown; message?: unknown; detail?: unknown };
      if (typeof entry.code !== 'string') return [];
      return [
        {
          code: entry.code,
          ...(typeof entry.message === 'string' ? { message: entry.message } : {}),
          ...(entry.detail !== undefined ? { detail: entry.detail } : {}),
        },
      ];
    });
  } catch {
    return [];
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}
