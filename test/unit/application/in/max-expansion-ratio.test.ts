import { describe, expect, it } from 'vitest';
import { maxExpansionRatio } from '../../../../src/application/in/max-expansion-ratio';
import { InvalidRequestError } from '../../../../src/domain/errors';
import { parseInRequest } from '../../../../src/main/request/request-schema';

const request = (value: string): string =>
  `{"source":{"repository":"r"},"version":{"digest":"sha256:${'a'.repeat(64)}"},"params":{"max_expansion_ratio":${value}}}`;

describe('params.max_expansion_ratio', () => {
  it('reads a JSON number or a numeric string; unset leaves the default to the output', () => {
    expect(maxExpansionRatio(parseInRequest(request('250')).params)).toEqual({ maxExpansionRatio: 250 });
    expect(maxExpansionRatio(parseInRequest(request('0')).params)).toEqual({ maxExpansionRatio: 0 });
    expect(maxExpansionRatio(parseInRequest(request('"12.5"')).params)).toEqual({ maxExpansionRatio: 12.5 });
    expect(maxExpansionRatio(parseInRequest(request('null')).params)).toEqual({});
    // An empty string is unset, like every Go zero value in a request.
    expect(maxExpansionRatio(parseInRequest(request('""')).params)).toEqual({});
  });

  it('refuses negative and non-numeric values, naming the field', () => {
    for (const bad of ['-1', '"lots"', '"1e999"']) {
      expect(() => maxExpansionRatio(parseInRequest(request(bad)).params)).toThrow(InvalidRequestError);
    }
    expect(() => maxExpansionRatio(parseInRequest(request('-1')).params)).toThrow(
      'params.max_expansion_ratio must be a number ≥ 0 (0 turns the limit off), got "-1"',
    );
    expect(() => parseInRequest(request('true'))).toThrow(/params.max_expansion_ratio must be a string or number/);
  });
});
