/**
 * Docker Hub's pull budget as its responses state it (docs.docker.com "Docker Hub usage and
 * limits"): `ratelimit-limit: 100;w=21600` and `ratelimit-remaining: 87;w=21600` (pulls, and the
 * window in seconds), `docker-ratelimit-source` (the IP or account counted). The IETF draft's
 * `ratelimit-reset` (seconds until the window frees pulls) is read too when a registry sends it.
 */
export interface RateLimitState {
  readonly limit: number;
  readonly remaining: number;
  readonly windowSeconds: number;
  /** Seconds until pulls are freed, when the registry says so (`ratelimit-reset`). */
  readonly resetSeconds?: number;
  readonly source?: string;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

function single(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `100;w=21600` → count 100, window 21600 s; `100` alone has no window. */
function parseQuota(value: string | undefined): { count: number; windowSeconds?: number } | undefined {
  if (value === undefined) return undefined;
  const [countText = '', ...parameters] = value.split(';').map((p) => p.trim());
  if (!/^\d+$/.test(countText)) return undefined;
  const window = parameters.find((p) => /^w=\d+$/.test(p));
  return window === undefined
    ? { count: Number(countText) }
    : { count: Number(countText), windowSeconds: Number(window.slice(2)) };
}

/** `undefined` unless both the limit and the remaining count are present and well formed. */
export function parseRateLimitHeaders(headers: Headers): RateLimitState | undefined {
  const limit = parseQuota(single(headers, 'ratelimit-limit'));
  const remaining = parseQuota(single(headers, 'ratelimit-remaining'));
  if (!limit || !remaining) return undefined;
  const windowSeconds = remaining.windowSeconds ?? limit.windowSeconds;
  if (windowSeconds === undefined) return undefined;
  const reset = single(headers, 'ratelimit-reset')?.trim();
  const source = single(headers, 'docker-ratelimit-source')?.trim();
  return {
    limit: limit.count,
    remaining: remaining.count,
    windowSeconds,
    ...(reset !== undefined && /^\d+$/.test(reset) ? { resetSeconds: Number(reset) } : {}),
    ...(source ? { source } : {}),
  };
}
