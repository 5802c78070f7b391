/**
 * Docker Hub's pull accounting in front of the real docker-registry, as a test/integration/support/
 * http-proxy.ts hook: every response carries `ratelimit-limit` / `ratelimit-remaining`
 * (`N;w=SECONDS`) and `docker-ratelimit-source`; each manifest GET costs one pull (HEAD and blobs
 * are free); a manifest GET with no pull left is answered 429, as Hub does; the whole budget
 * comes back one window after it ran out.
 */
import { isManifestGet, type ProxyHook } from '../support/http-proxy';

export interface HubBudget {
  readonly hook: ProxyHook;
  /** Epoch ms of every manifest GET that was counted (served). */
  readonly pulls: number[];
  /** Manifest GETs refused with 429. */
  readonly refused: number;
}

export function hubBudget(options: {
  limit: number;
  remaining: number;
  windowSeconds: number;
  source?: string;
}): HubBudget {
  let remaining = options.remaining;
  let exhaustedAt: number | undefined = remaining === 0 ? Date.now() : undefined;
  const pulls: number[] = [];
  let refused = 0;
  const headers = (): Record<string, string> => ({
    'ratelimit-limit': `${options.limit};w=${options.windowSeconds}`,
    'ratelimit-remaining': `${remaining};w=${options.windowSeconds}`,
    'docker-ratelimit-source': options.source ?? '203.0.113.7',
  });
  const hook: ProxyHook = (request) => {
    if (exhaustedAt !== undefined && Date.now() - exhaustedAt >= options.windowSeconds * 1000) {
      remaining = options.limit;
      exhaustedAt = undefined;
    }
    if (isManifestGet(request)) {
      if (remaining === 0) {
        refused++;
        return {
          kind: 'respond',
          status: 429,
          headers: { ...headers(), 'content-type': 'application/json' },
          body: JSON.stringify({
            errors: [{ code: 'TOOMANYREQUESTS', message: 'You have reached your pull rate limit.' }],
          }),
        };
      }
      remaining--;
      pulls.push(Date.now());
      if (remaining === 0) exhaustedAt = Date.now();
    }
    return { kind: 'forward', setResponseHeaders: headers() };
  };
  return {
    hook,
    pulls,
    get refused() {
      return refused;
    },
  };
}
