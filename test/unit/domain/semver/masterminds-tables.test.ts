import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../../src/domain/errors';
import { parseConstraint } from '../../../../src/domain/semver/constraint';
import { rewriteHyphenRanges } from '../../../../src/domain/semver/constraint-grammar';
import { parseVersion, type Version } from '../../../../src/domain/semver/version';
import * as table from './masterminds-tables';

function version(text: string): Version {
  const parsed = parseVersion(text);
  if (parsed === undefined) throw new Error(`test version ${JSON.stringify(text)} does not parse`);
  return parsed;
}

function admits(constraint: string, text: string): boolean {
  return parseConstraint(constraint).check(version(text));
}

describe('Masterminds version_test.go', () => {
  it.each(table.NEW_VERSION)('NewVersion(%j) rejected: %s', (text, rejected) => {
    expect(parseVersion(text) === undefined).toBe(rejected);
  });

  it.each(table.ORIGINAL)('Original() of %j is the text', (text) => {
    expect(version(text).original).toBe(text);
  });

  it.each(table.COERCE_STRING)('String() of %j is %j', (text, canonical) => {
    expect(version(text).toString()).toBe(canonical);
  });

  it('Parts: 1.2.3-beta.1+build.123', () => {
    expect(version('1.2.3-beta.1+build.123')).toMatchObject({
      major: 1n,
      minor: 2n,
      patch: 3n,
      prerelease: 'beta.1',
      metadata: 'build.123',
    });
  });

  it.each(table.COMPARE)('Compare(%j, %j) = %i', (a, b, order) => {
    expect(version(a).compare(version(b))).toBe(order);
  });

  it.each(table.LESS_THAN)('LessThan(%j, %j) = %s', (a, b, holds) => {
    expect(version(a).lessThan(version(b))).toBe(holds);
  });

  it.each(table.LESS_THAN_EQUAL)('LessThanEqual(%j, %j) = %s', (a, b, holds) => {
    expect(!version(a).greaterThan(version(b))).toBe(holds);
  });

  it.each(table.GREATER_THAN)('GreaterThan(%j, %j) = %s', (a, b, holds) => {
    expect(version(a).greaterThan(version(b))).toBe(holds);
  });

  it.each(table.GREATER_THAN_EQUAL)('GreaterThanEqual(%j, %j) = %s', (a, b, holds) => {
    expect(!version(a).lessThan(version(b))).toBe(holds);
  });

  it.each(table.EQUAL)('Equal(%j, %j) = %s', (a, b, holds) => {
    expect(version(a).equals(version(b))).toBe(holds);
  });

  it.each(table.VALIDATE_PRERELEASE)('prerelease %j valid: %s', (identifiers, valid) => {
    expect(parseVersion(`1.2.3-${identifiers}`) !== undefined).toBe(valid);
  });

  it.each(table.VALIDATE_METADATA)('metadata %j valid: %s', (identifiers, valid) => {
    expect(parseVersion(`1.2.3+${identifiers}`) !== undefined).toBe(valid);
  });
});

describe('Masterminds constraints_test.go', () => {
  const OPERATORS_OF = { '>=': ['>=', '=>'], '=': ['', '='], '<=': ['<=', '=<'], '>': ['>'], '<': ['<'] };

  it.each(table.PARSE_CONSTRAINT)('parseConstraint(%j): %s %s, rejected: %s', (text, meaning, expected, rejected) => {
    if (rejected || meaning === null) {
      expect(() => parseConstraint(text)).toThrow(InvalidRequestError);
      return;
    }
    const [group] = parseConstraint(text).alternatives;
    expect(group).toHaveLength(1);
    expect(OPERATORS_OF[meaning]).toContain(group?.[0]?.operator);
    expect(group?.[0]?.version.toString()).toBe(expected);
  });

  it.each(table.CONSTRAINT_CHECK)('constraint %j admits %j: %s', (constraint, text, expected) => {
    // This table calls Masterminds' internal parseConstraint, which reads "" as "*"; NewConstraint,
    // what the Go resource calls, rejects "" (see constraint.test.ts).
    expect(admits(constraint === '' ? '*' : constraint, text)).toBe(expected);
  });

  it.each(table.NEW_CONSTRAINT)(
    'NewConstraint(%j): %i OR group(s), %i in the first, rejected: %s',
    (text, ors, count, rejected) => {
      if (rejected) {
        expect(() => parseConstraint(text)).toThrow(InvalidRequestError);
        return;
      }
      const { alternatives } = parseConstraint(text);
      expect(alternatives).toHaveLength(ors);
      expect(alternatives[0]).toHaveLength(count);
    },
  );

  it.each(table.CONSTRAINTS_CHECK)('Check: %j admits %j: %s', (constraint, text, expected) => {
    expect(admits(constraint, text)).toBe(expected);
  });

  it.each(table.CONSTRAINTS_VALIDATE)('Validate: %j admits %j: %s', (constraint, text, expected) => {
    expect(admits(constraint, text)).toBe(expected);
  });

  it.each(table.REWRITE_RANGE)('rewriteRange(%j) = %j', (text, rewritten) => {
    expect(rewriteHyphenRanges(text)).toBe(rewritten);
  });

  it.each(table.CONSTRAINT_STRING)('String() of %j is %j, which parses again', (text, printed) => {
    expect(parseConstraint(text).toString()).toBe(printed);
    expect(parseConstraint(printed).toString()).toBe(printed);
  });
});
