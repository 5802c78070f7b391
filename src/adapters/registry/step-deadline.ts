import { ConfigurationError } from '../../domain/errors';
import { duration } from './retry-policy';
import { TransportError } from './transport-error';

/** The environment variable that bounds one whole check/in/out step. */
export const STEP_TIMEOUT_ENV = 'REGISTRY_IMAGE_STEP_TIMEOUT';
/**
 * Three hours: the step retry budget (an hour of rate limits) plus ample time to move a large
 * image. Concourse itself sets no step timeout unless the pipeline does.
 */
export const DEFAULT_STEP_TIMEOUT_MS = 3 * 60 * 60_000;

/** When the step must be over (epoch ms) and how long it was given. */
export interface StepDeadline {
  readonly atMs: number;
  readonly budgetMs: number;
}

/** Raised by every registry exchange (and open body) once the step deadline has passed; never retried. */
export class StepDeadlineError extends TransportError {
  constructor(deadline: StepDeadline) {
    super(
      'deadline',
      'ESTEPDEADLINE',
      `the step's ${duration(deadline.budgetMs)} deadline passed (${STEP_TIMEOUT_ENV})`,
    );
  }
}

/**
 * The deadline from `REGISTRY_IMAGE_STEP_TIMEOUT` (`90`, `90s`, `45m`, `2h`, `1h30m`; `0` turns it
 * off), counted from `startedAtMs`; three hours when unset.
 */
export function stepDeadlineFrom(
  env: Readonly<Record<string, string | undefined>>,
  startedAtMs: number = Date.now(),
): StepDeadline | undefined {
  const text = env[STEP_TIMEOUT_ENV]?.trim();
  const budgetMs = text === undefined || text === '' ? DEFAULT_STEP_TIMEOUT_MS : parseDurationMs(text);
  if (budgetMs === undefined) {
    throw new ConfigurationError(
      `${STEP_TIMEOUT_ENV}="${text ?? ''}" is not a duration (use seconds, or e.g. 90s, 45m, 2h, 1h30m; 0 for none)`,
    );
  }
  return budgetMs === 0 ? undefined : { atMs: startedAtMs + budgetMs, budgetMs };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `90` (seconds), or Go-style `1h30m`, `45m`, `90s`, `250ms`. */
export function parseDurationMs(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^(\d+(ms|h|m|s))+$/.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+)(ms|h|m|s)/g)) total += Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? 0);
  return total;
}
