import { ResourceError } from '../../domain/errors';
import type { Logger } from '../../ports/logger';

export interface RetrySettings {
  /** Total tries, the first one included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Budget for all tries and waits of one operation; no retry starts that would overrun it. */
  readonly totalMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { attempts: 5, baseDelayMs: 500, maxDelayMs: 10_000, totalMs: 120_000 };

/** 408/429 and the gateway family: the answer may differ a moment later. */
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * A failure worth another attempt. `final` is what the caller sees once attempts or time run out;
 * `retryAfterMs` is the server's own wish (429/503 `Retry-After`) and replaces the backoff.
 */
export class TransientFailure extends Error {
  override readonly name = 'TransientFailure';
  constructor(
    readonly reason: string,
    readonly final: ResourceError,
    readonly retryAfterMs?: number,
  ) {
    super(reason, { cause: final });
  }
}

/** `Retry-After` as delta-seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Exponential backoff with "equal jitter": half the step is fixed, half random, so retries spread out. */
export function backoffDelay(retry: number, settings: RetrySettings, random: () => number): number {
  const step = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (retry - 1));
  return Math.round(step / 2 + (step / 2) * random());
}

export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

const realClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

export class RetryPolicy {
  constructor(
    readonly settings: RetrySettings,
    private readonly logger: Logger,
    private readonly clock: RetryClock = realClock,
  ) {}

  /**
   * Run `attempt` until it succeeds, throws something other than a TransientFailure, or the
   * attempts/time budget is spent. Each retry is one warning line naming `what` and the reason.
   */
  async run<T>(what: string, attempt: (attemptNumber: number) => Promise<T>): Promise<T> {
    const started = this.clock.now();
    for (let n = 1; ; n++) {
      try {
        return await attempt(n);
      } catch (error) {
        if (!(error instanceof TransientFailure)) throw error;
        if (n >= this.settings.attempts) throw giveUp(error, `after ${n} attempts`);
        const delay = error.retryAfterMs ?? backoffDelay(n, this.settings, this.clock.random);
        const elapsed = this.clock.now() - started;
        if (elapsed + delay > this.settings.totalMs) {
          throw giveUp(
            error,
            `after ${n} attempts; retrying in ${seconds(delay)} would exceed the ${seconds(this.settings.totalMs)} retry budget`,
          );
        }
        this.logger.warn(
          `${what}: ${error.reason}; retrying in ${seconds(delay)} (attempt ${n + 1}/${this.settings.attempts})`,
        );
        await this.clock.sleep(delay);
      }
    }
  }
}

function giveUp(failure: TransientFailure, why: string): ResourceError {
  return new ResourceError(failure.final.code, `${failure.final.message} (${why})`, { cause: failure.final });
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
}
