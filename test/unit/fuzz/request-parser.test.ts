/**
 * Fuzzed requests against the parser: whatever the text, parseCheckRequest / parseInRequest /
 * parseOutRequest return a request or throw an InvalidRequestError with one non-empty line,
 * never another exception. The generators also turn on the cloud providers (the parser talks to
 * no one), and the test checks that both outcomes occur often, so the fuzzing is not vacuous.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../src/domain/errors';
import { parseCheckRequest, parseInRequest, parseOutRequest } from '../../../src/main/request/request-schema';
import { requestText, type StepName } from './request-arbitraries';

const RUNS = 3_000;
const parsers: Record<StepName, (text: string) => unknown> = {
  check: parseCheckRequest,
  in: parseInRequest,
  out: parseOutRequest,
};

describe('request parser under fuzzed input', () => {
  for (const [step, parse] of Object.entries(parsers) as Array<[StepName, (text: string) => unknown]>) {
    it(`${step}: ${RUNS} random and mutated requests parse or fail with one InvalidRequestError line`, () => {
      let parsed = 0;
      let rejected = 0;
      fc.assert(
        fc.property(requestText(step, { cloud: true }), (text) => {
          let result: unknown;
          try {
            result = parse(text);
          } catch (error) {
            if (!(error instanceof InvalidRequestError)) throw error;
            expect(error.message).toMatch(/^\S[^\n]*$/);
            rejected++;
            return;
          }
          expect(result).toEqual(expect.objectContaining({ source: expect.objectContaining({}) }));
          parsed++;
        }),
        { numRuns: RUNS },
      );
      expect(parsed + rejected).toBe(RUNS);
      expect(parsed).toBeGreaterThan(RUNS / 20);
      expect(rejected).toBeGreaterThan(RUNS / 4);
    });
  }
});
