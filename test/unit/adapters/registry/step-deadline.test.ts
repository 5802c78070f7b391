import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STEP_TIMEOUT_MS,
  parseDurationMs,
  StepDeadlineError,
  stepDeadlineFrom,
} from '../../../../src/adapters/registry/step-deadline';

describe('stepDeadlineFrom', () => {
  it('gives the step three hours from its start when REGISTRY_IMAGE_STEP_TIMEOUT is unset or empty', () => {
    expect(DEFAULT_STEP_TIMEOUT_MS).toBe(3 * 3600_000);
    expect(stepDeadlineFrom({}, 1000)).toEqual({
      atMs: 1000 + DEFAULT_STEP_TIMEOUT_MS,
      budgetMs: DEFAULT_STEP_TIMEOUT_MS,
    });
    expect(stepDeadlineFrom({ REGISTRY_IMAGE_STEP_TIMEOUT: ' ' }, 0)?.budgetMs).toBe(DEFAULT_STEP_TIMEOUT_MS);
  });

  it('reads seconds or Go-style durations, and 0 turns the deadline off', () => {
    expect(stepDeadlineFrom({ REGISTRY_IMAGE_STEP_TIMEOUT: '90' }, 0)).toEqual({ atMs: 90_000, budgetMs: 90_000 });
    expect(stepDeadlineFrom({ REGISTRY_IMAGE_STEP_TIMEOUT: '1h30m' }, 0)?.budgetMs).toBe(5_400_000);
    expect(stepDeadlineFrom({ REGISTRY_IMAGE_STEP_TIMEOUT: '0' }, 0)).toBeUndefined();
    expect(parseDurationMs('45m')).toBe(2_700_000);
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('2h5s')).toBe(7_205_000);
  });

  it('refuses a value that is not a duration, in one line naming the variable', () => {
    for (const value of ['soon', '-5', '1.5h', '10 m']) {
      expect(() => stepDeadlineFrom({ REGISTRY_IMAGE_STEP_TIMEOUT: value })).toThrow(
        expect.objectContaining({
          name: 'ConfigurationError',
          message: `REGISTRY_IMAGE_STEP_TIMEOUT="${value}" is not a duration (use seconds, or e.g. 90s, 45m, 2h, 1h30m; 0 for none)`,
        }),
      );
    }
  });

  it('words its error with the budget and the variable', () => {
    const error = new StepDeadlineError({ atMs: 0, budgetMs: 2 * 3600_000 });
    expect(error.kind).toBe('deadline');
    expect(error.message).toBe("the step's 2h deadline passed (REGISTRY_IMAGE_STEP_TIMEOUT)");
  });
});
