import { type ResourceError, restated } from '../../domain/errors';
import type { Logger } from '../../ports/logger';
import { NetworkError, RegistryError, reworded, temporaryReason } from '../../ports/registry-errors';
import { isDroppedConnection, TransportError } from './transport-error';

export interface RetrySettings {
  /** Total tries, the first one included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Budget for all tries and waits of one operation; no retry starts that would overrun it. */
  readonly totalMs: number;
  /**
   * The longer schedule `in` and `out` give rate limits (HTTP 429) and dropped connections, under
   * one budget for the whole step. Absent (`check`): those follow the schedule above like the rest.
   */
  readonly stepBudget?: StepRetrySettings;
  /** The step deadline (epoch ms): no wait is started that would end after it. */
  readonly deadlineAtMs?: number;
}

/** Exponential backoff with a randomization factor, as cenkalti/backoff's ExponentialBackOff. */
export interface StepRetrySettings {
  readonly initialIntervalMs: number;
  /** Growth of the interval per retry. */
  readonly multiplier: number;
  /** Cap of the interval; the randomized wait may exceed it by the randomization factor. */
  readonly maxIntervalMs: number;
  /** Each wait is the interval times a factor drawn uniformly from [1 − r, 1 + r]. */
  readonly randomization: number;
  /** No wait ends later than this after `startedAtMs`. */
  readonly budgetMs: number;
  /** When the step started (epoch ms): the budget is the step's, shared by all its operations. */
  readonly startedAtMs: number;
}

export const DEFAULT_RETRY: RetrySettings = { attempts: 5, baseDelayMs: 500, maxDelayMs: 10_000, totalMs: 120_000 };

/** 408/429 and the gateway family: the answer may differ a moment later. */
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * What a transient failure is, for choosing its schedule: rate limits and dropped connections are
 * what the Go resource waits out for up to an hour in `in`/`out`; the rest get a few quick tries.
 */
export type TransientKind = 'rate-limit' | 'dropped-connection' | 'other';

/**
 * A failure worth another attempt. `final` is what the caller sees once attempts or time run out;
 * `retryAfterMs` is the server's own wish (429/503 `Retry-After`) and replaces the backoff;
 * `status` is the HTTP status that made it transient, if any.
 */
export class TransientFailure extends Error {
  override readonly name = 'TransientFailure';
  readonly kind: TransientKind;
  constructor(
    readonly reason: string,
    readonly final: ResourceError,
    readonly retryAfterMs?: number,
    status?: number,
  ) {
    super(reason, { cause: final });
    this.kind =
      status === 429
        ? 'rate-limit'
        : (final.cause instanceof TransportError && isDroppedConnection(final.cause)) ||
            (final instanceof NetworkError && final.kind === 'reset')
          ? 'dropped-connection'
          : 'other';
  }

  /** A temporary RegistryError as the retry schedule sees it: its status, kind and Retry-After. */
  static from(error: RegistryError): TransientFailure {
    return new TransientFailure(temporaryReason(error), error, error.retryAfterMs, error.status);
  }
}

/** What the schedule retries: a temporary RegistryError, or a TransientFailure built by hand (notary). */
function transient(error: unknown): TransientFailure | undefined {
  if (error instanceof TransientFailure) return error;
  if (error instanceof RegistryError && error.temporary) return TransientFailure.from(error);
  return undefined;
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

/** The wait before the `retry`-th retry (1-based) under the step schedule. */
export function stepBackoffDelay(retry: number, settings: StepRetrySettings, random: () => number): number {
  const interval = Math.min(settings.maxIntervalMs, settings.initialIntervalMs * settings.multiplier ** (retry - 1));
  const factor = 1 - settings.randomization + 2 * settings.randomization * random();
  return Math.round(interval * factor);
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
   * Run `attempt` until it succeeds, throws something that is not temporary, or its
   * schedule gives up. Each wait is one warning line: what is retried, why, and for how long.
   *
   * With a step budget, rate limits and dropped connections wait on the step schedule until the
   * step's budget is spent; other transient failures keep the per-operation attempts and budget,
   * counted afresh after each step-schedule wait so a long rate limit does not use them up.
   */
  async run<T>(what: string, attempt: (attemptNumber: number) => Promise<T>): Promise<T> {
    const step = this.settings.stepBudget;
    let quickStarted = this.clock.now();
    let quickRetries = 0;
    let stepRetries = 0;
    for (let n = 1; ; n++) {
      try {
        return await attempt(n);
      } catch (thrown) {
        const error = transient(thrown);
        if (!error) throw thrown;
        const now = this.clock.now();
        if (step && error.kind !== 'other') {
          stepRetries++;
          const left = step.startedAtMs + step.budgetMs - now;
          const asked = positive(error.retryAfterMs);
          if (asked !== undefined && asked > left) throw resetsTooLate(error, now, asked, left);
          if (left <= 0)
            throw giveUp(error, `after ${n} attempts; the step's ${duration(step.budgetMs)} retry budget is spent`);
          // The last wait is shortened to the budget's end, so the budget still buys one more try.
          const delay = asked ?? Math.min(left, stepBackoffDelay(stepRetries, step, this.clock.random));
          this.assertBeforeDeadline(error, n, now, delay);
          this.logger.warn(
            `${what}: ${error.reason}; retrying in ${duration(delay)}${asked !== undefined ? ' as Retry-After asks' : ''} (attempt ${n + 1}; ${duration(left)} of the step's ${duration(step.budgetMs)} retry budget left)`,
          );
          await this.clock.sleep(delay);
          quickStarted = this.clock.now();
          quickRetries = 0;
          continue;
        }
        quickRetries++;
        if (quickRetries >= this.settings.attempts) throw giveUp(error, `after ${n} attempts`);
        const asked = positive(error.retryAfterMs);
        const left = this.settings.totalMs - (now - quickStarted);
        if (asked !== undefined && asked > left) throw resetsTooLate(error, now, asked, left);
        const delay = asked ?? backoffDelay(quickRetries, this.settings, this.clock.random);
        if (delay > left) {
          throw giveUp(
            error,
            `after ${n} attempts; retrying in ${duration(delay)} would exceed the ${duration(this.settings.totalMs)} retry budget`,
          );
        }
        this.assertBeforeDeadline(error, n, now, delay);
        this.logger.warn(
          `${what}: ${error.reason}; retrying in ${duration(delay)}${asked !== undefined ? ' as Retry-After asks' : ''} (attempt ${n + 1}/${n - quickRetries + this.settings.attempts})`,
        );
        await this.clock.sleep(delay);
      }
    }
  }

  /** Waiting past the step deadline only to fail there: say so now, with the failure that made us wait. */
  private assertBeforeDeadline(error: TransientFailure, n: number, now: number, delay: number): void {
    const deadline = this.settings.deadlineAtMs;
    if (deadline !== undefined && now + delay >= deadline) {
      throw giveUp(error, `after ${n} attempts; the step deadline (REGISTRY_IMAGE_STEP_TIMEOUT) passes before a retry`);
    }
  }
}

/** `Retry-After: 0` (or a date gone by) is no reason to hammer the registry: the backoff applies. */
function positive(ms: number | undefined): number | undefined {
  return ms !== undefined && ms > 0 ? ms : undefined;
}

function giveUp(failure: TransientFailure, why: string): ResourceError {
  return saying(failure.final, `${failure.final.message} (${why})`);
}

/**
 * The final error with more said; a RegistryError keeps its class and fields, but is no longer
 * temporary: its retries are spent, and an enclosing retry must not start them over.
 */
function saying(final: ResourceError, message: string): ResourceError {
  if (final instanceof RegistryError) return reworded(final, message, { temporary: false });
  return restated(final, message);
}

/** The server named a time beyond our budget: waiting part of it is pointless, so say when to come back. */
function resetsTooLate(failure: TransientFailure, now: number, askedMs: number, leftMs: number): ResourceError {
  const at = new Date(now + askedMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const when = `at ${at} (in ${Math.ceil(askedMs / 1000)} s)`;
  const what = failure.kind === 'rate-limit' ? `the rate limit resets ${when}` : `the registry asks to retry ${when}`;
  return saying(
    failure.final,
    `${failure.final.message}; ${what}, beyond the retry budget (${duration(Math.max(0, leftMs))} left)`,
  );
}

/** `0.1s`, `7.5s`, `42s`, `4m12s`, `1h`, `1h5m`: short enough for one log line. */
export function duration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 120) return `${totalSeconds}s`;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h${minutes > 0 ? `${minutes}m` : ''}`;
  return `${minutes}m${seconds > 0 ? `${seconds}s` : ''}`;
}
