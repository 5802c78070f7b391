import type { Logger } from '../../ports/logger';
import { RegistryError } from '../../ports/registry-errors';
import { parseRateLimitHeaders, type RateLimitState } from './rate-limit-headers';
import { duration, type RetrySettings } from './retry-policy';

/** The pull budget is spent and the window frees pulls later than the step may wait. */
export class RateLimitExhaustedError extends RegistryError {
  override readonly name = 'RateLimitExhaustedError';
  constructor(message: string) {
    super(message);
  }
}

export interface RateLimitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: RateLimitClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const DOCKER_HUB_HOSTS = new Set(['registry-1.docker.io', 'index.docker.io', 'docker.io']);

function label(host: string): string {
  return DOCKER_HUB_HOSTS.has(host) ? 'Docker Hub rate limit' : `rate limit of ${host}`;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Docker Hub counts a pull per manifest GET (HEAD and blobs are free), so a `get` of an index
 * costs one pull for the index and one per child it fetches. The guard remembers the last budget
 * each registry stated and, before a manifest GET, waits while none is left: until
 * `ratelimit-reset` when given, else a whole window (`w=`) after the budget was seen spent, since
 * Docker Hub does not say when its sliding window frees a pull. A wait longer than what is left
 * of the step's retry budget fails at once, naming when the window frees pulls.
 */
export class RateLimitGuard {
  private readonly last = new Map<string, { state: RateLimitState; atMs: number }>();
  private readonly logged = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly retry: RetrySettings,
    private readonly clock: RateLimitClock = realClock,
    private readonly startedAtMs: number = clock.now(),
  ) {}

  /** Every registry response: remember the budget it states, and log it the first time per registry. */
  observe(host: string, headers: Readonly<Record<string, string | string[] | undefined>>): void {
    const state = parseRateLimitHeaders(headers);
    if (!state) return;
    this.last.set(host, { state, atMs: this.clock.now() });
    if (this.logged.has(host)) return;
    this.logged.add(host);
    const source = state.source ? ` (source ${state.source})` : '';
    this.logger.info(
      `${label(host)}: ${state.remaining} of ${state.limit} pulls left per ${duration(state.windowSeconds * 1000)}${source}`,
    );
  }

  /**
   * Before each request: a manifest GET (`path` is `/v2/<repository>/manifests/<reference>`, or
   * relative as `manifests/<reference>`) waits for a pull to be left, or fails at once if it cannot.
   */
  async beforeRequest(host: string, method: string, path: string, what: string): Promise<void> {
    if (method !== 'GET' || !/(^|\/)manifests\/[^/]+$/.test(path)) return;
    const seen = this.last.get(host);
    if (!seen || seen.state.remaining > 0) return;
    const { state, atMs } = seen;
    const now = this.clock.now();
    const freesAt = atMs + (state.resetSeconds ?? state.windowSeconds) * 1000;
    const waitMs = freesAt - now;
    if (waitMs > 0) {
      const left = this.budgetLeft(now);
      const spent = `${label(host)}: 0 of ${state.limit} pulls left per ${duration(state.windowSeconds * 1000)}`;
      if (waitMs > left) {
        throw new RateLimitExhaustedError(
          `${what} needs a pull, but ${spent}; the window frees pulls at ${isoSeconds(freesAt)} (in ${Math.ceil(waitMs / 1000)} s), beyond the retry budget (${duration(Math.max(0, left))} left)`,
        );
      }
      this.logger.warn(
        `${spent}; waiting ${duration(waitMs)} until ${isoSeconds(freesAt)} before ${what} (${duration(left)} of the retry budget left)`,
      );
      await this.clock.sleep(waitMs);
    }
    // The window has moved on: the next answer states the new budget.
    if (this.last.get(host) === seen) this.last.delete(host);
  }

  /** `in` / `out` share the step's budget; `check` waits no longer than one operation's budget. */
  private budgetLeft(now: number): number {
    const step = this.retry.stepBudget;
    if (step) return step.startedAtMs + step.budgetMs - now;
    return this.startedAtMs + this.retry.totalMs - now;
  }
}
