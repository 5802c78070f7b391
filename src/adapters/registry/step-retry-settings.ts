import { DEFAULT_RETRY, type RetrySettings, type StepRetrySettings } from './retry-policy';

export type RetryStep = 'check' | 'in' | 'out';

/**
 * The Go resource's RetryOnTransientError (backoff.go), which wraps the whole download of `in` and
 * the whole push of `out`: cenkalti/backoff's ExponentialBackOff with its default multiplier (1.5)
 * and randomization (±50 %), a 5 s first interval (5 ms when `TEST=true`), intervals capped at
 * 5 min, and one hour in all. Go's `check` has no such wrapper.
 */
export const STEP_RETRY: Omit<StepRetrySettings, 'startedAtMs'> = {
  initialIntervalMs: 5_000,
  multiplier: 1.5,
  maxIntervalMs: 5 * 60_000,
  randomization: 0.5,
  budgetMs: 60 * 60_000,
};

/** Go's test hook: `TEST=true` shortens the first interval so suites do not sleep for seconds. */
const TEST_INITIAL_INTERVAL_MS = 5;

/**
 * Retry settings for one step. `in` and `out` wait out rate limits and dropped connections on the
 * step schedule, honouring `Retry-After`, within one budget counted from `startedAtMs` (the step's
 * start); `check` keeps the short per-request policy for everything, as in Go.
 */
export function retrySettingsFor(
  step: RetryStep,
  env: Readonly<Record<string, string | undefined>>,
  startedAtMs: number = Date.now(),
): RetrySettings {
  if (step === 'check') return DEFAULT_RETRY;
  const initialIntervalMs = env.TEST === 'true' ? TEST_INITIAL_INTERVAL_MS : STEP_RETRY.initialIntervalMs;
  return { ...DEFAULT_RETRY, stepBudget: { ...STEP_RETRY, initialIntervalMs, startedAtMs } };
}
