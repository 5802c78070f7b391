import type { RetryClock } from '../../../../src/adapters/registry/retry-policy';

export interface FakeRetryClock extends RetryClock {
  /** Every wait asked for, in order; sleeping advances `now` at once. */
  readonly slept: number[];
}

/** A RetryClock that never really waits: time moves only when the policy sleeps. */
export function fakeRetryClock(random = 0.5, startMs = 0): FakeRetryClock {
  let now = startMs;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
    random: () => random,
  };
}
