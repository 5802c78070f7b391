import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../../src/domain/errors';
import {
  MAX_CONSTRAINT_LENGTH,
  MAX_CONSTRAINT_GROUPS,
  parseConstraint,
} from '../../../../src/domain/semver/constraint';
import { parseVersion } from '../../../../src/domain/semver/version';

function check(constraint: string, version: string): boolean {
  const parsed = parseVersion(version);
  if (parsed === undefined) throw new Error(`bad test version ${version}`);
  return parseConstraint(constraint).check(parsed);
}

describe('parseConstraint: README examples', () => {
  it.each([
    ['~1.2.x', '1.2.0', true],
    ['~1.2.x', '1.2.9', true],
    ['~1.2.x', '1.3.0', false],
    ['~1.2.x', '1.2.5-rc.1', false],
    ['>= 1.2 < 3.0.0 || >= 4.2.3', '1.2.0', true],
    ['>= 1.2 < 3.0.0 || >= 4.2.3', '2.9.9', true],
    ['>= 1.2 < 3.0.0 || >= 4.2.3', '3.0.0', false],
    ['>= 1.2 < 3.0.0 || >= 4.2.3', '4.2.2', false],
    ['>= 1.2 < 3.0.0 || >= 4.2.3', '4.2.3', true],
    ['>= 1.2 < 3.0.0 || >= 4.2.3', '1.1.9', false],
    ['1.2.x', '1.2.1', true],
    ['1.2.x', '1.0.0', false],
    ['1.2.*', '1.2.7', true],
    ['1.2 - 1.4.5', '1.4.5', true],
    ['1.2 - 1.4.5', '1.4.6', false],
    ['1.2 - 1.4.5', '1.1.9', false],
    ['v1.2.3', '1.2.3', true],
    ['>=1.2.3-0', '1.2.3-beta.1', true],
    ['>=1.2.1-0', '1.2.1-beta.1', true],
  ])('%s %s → %s', (constraint, version, expected) => {
    expect(check(constraint, version)).toBe(expected);
  });
});

// Masterminds' constraints_test.go TestConstraintCheck / TestConstraintsCheck tables.
describe('parseConstraint: Masterminds check tables', () => {
  it.each([
    ['=2.0.0', '1.2.3', false],
    ['=2.0.0', '2.0.0', true],
    ['=2.0', '1.2.3', false],
    ['=2.0', '2.0.0', true],
    ['=2.0', '2.0.1', true],
    ['4.1', '4.1.0', true],
    ['!=4.1.0', '4.1.0', false],
    ['!=4.1.0', '4.1.1', true],
    ['!=4.1', '4.1.0', false],
    ['!=4.1', '4.1.1', false],
    ['!=4.1', '5.1.0-alpha.1', false],
    ['!=4.1-alpha', '4.1.0', true],
    ['!=4.1', '5.1.0', true],
    ['<11', '0.1.0', true],
    ['<11', '11.1.0', false],
    ['<1.1', '0.1.0', true],
    ['<1.1', '1.1.0', false],
    ['<1.1', '1.1.1', false],
    ['<=11', '1.2.3', true],
    ['<=11', '12.2.3', false],
    ['<=11', '11.2.3', true],
    ['<=1.1', '1.2.3', false],
    ['<=1.1', '0.1.0', true],
    ['<=1.1', '1.1.0', true],
    ['<=1.1', '1.1.1', true],
    ['>1.1', '4.1.0', true],
    ['>1.1', '1.1.0', false],
    ['>0', '0', false],
    ['>0', '1', true],
    ['>0', '0.0.1-alpha', false],
    ['>0.0', '0.0.1-alpha', false],
    ['>0-0', '0.0.1-alpha', false],
    ['>0.0-0', '0.0.1-alpha', false],
    ['>0', '0.0.0-alpha', false],
    ['>0-0', '0.0.0-alpha', false],
    ['>0.0.0-0', '0.0.0-alpha', true],
    ['>1.2.3-alpha.1', '1.2.3-alpha.2', true],
    ['>1.2.3-alpha.1', '1.3.3-alpha.2', true],
    ['>11', '11.1.0', false],
    ['>11.1', '11.1.0', false],
    ['>11.1', '11.1.1', false],
    ['>11.1', '11.2.1', true],
    ['>=11', '11.1.2', true],
    ['>=11.1', '11.1.2', true],
    ['>=11.1', '11.0.2', false],
    ['>=1.1', '4.1.0', true],
    ['>=1.1', '1.1.0', true],
    ['>=1.1', '0.0.9', false],
    ['>=0', '0.0.1-alpha', false],
    ['>=0.0', '0.0.1-alpha', false],
    ['>=0-0', '0.0.1-alpha', true],
    ['>=0.0-0', '0.0.1-alpha', true],
    ['>=0', '0.0.0-alpha', false],
    ['>=0-0', '0.0.0-alpha', true],
    ['>=0.0.0-0', '0.0.0-alpha', true],
    ['>=0.0.0-0', '1.2.3', true],
    ['>=0.0.0-0', '3.4.5-beta.1', true],
    ['<0', '0.0.0-alpha', false],
    ['<0-z', '0.0.0-alpha', true],
    ['>=0', '0', true],
    ['=0', '1', false],
    ['*', '1', true],
    ['*', '4.5.6', true],
    ['*', '1.2.3-alpha.1', false],
    ['*-0', '1.2.3-alpha.1', true],
    ['2.*', '1', false],
    ['2.*', '3.4.5', false],
    ['2.*', '2.1.1', true],
    ['2.1.*', '2.1.1', true],
    ['2.1.*', '2.2.1', false],
    ['2', '1', false],
    ['2', '3.4.5', false],
    ['2', '2.1.1', true],
    ['2.1', '2.1.1', true],
    ['2.1', '2.2.1', false],
    ['~1.2.3', '1.2.4', true],
    ['~1.2.3', '1.3.4', false],
    ['~1.2', '1.2.4', true],
    ['~1.2', '1.3.4', false],
    ['~1', '1.2.4', true],
    ['~1', '2.3.4', false],
    ['~0.2.3', '0.2.5', true],
    ['~0.2.3', '0.3.5', false],
    ['~1.2.3-beta.2', '1.2.3-beta.4', true],
    ['~1.2.3-beta.2', '1.2.4-beta.2', true],
    ['~1.2.3-beta.2', '1.3.4-beta.2', false],
    ['^1.2.3', '1.8.9', true],
    ['^1.2.3', '2.8.9', false],
    ['^1.2.3', '1.2.1', false],
    ['^1.1.0', '2.1.0', false],
    ['^1.2.0', '2.2.1', false],
    ['^1.2.0', '1.2.1-alpha.1', false],
    ['^1.2.0-alpha.0', '1.2.1-alpha.1', true],
    ['^1.2.0-alpha.0', '1.2.1-alpha.0', true],
    ['^1.2.0-alpha.2', '1.2.0-alpha.1', false],
    ['^1.2', '1.8.9', true],
    ['^1.2', '2.8.9', false],
    ['^1', '1.8.9', true],
    ['^1', '2.8.9', false],
    ['^0.2.3', '0.2.5', true],
    ['^0.2.3', '0.5.6', false],
    ['^0.2', '0.2.5', true],
    ['^0.2', '0.5.6', false],
    ['^0.0.3', '0.0.3', true],
    ['^0.0.3', '0.0.4', false],
    ['^0.0', '0.0.3', true],
    ['^0.0', '0.1.4', false],
    ['^0.0', '1.0.4', false],
    ['^0', '0.2.3', true],
    ['^0', '1.1.4', false],
    ['^0.2.3-beta.2', '0.2.3-beta.4', true],
    ['^0.2.3-beta.2', '0.2.4-beta.2', true],
    ['^0.2.3-beta.2', '0.3.4-beta.2', false],
    ['^0.2.3-beta.2', '0.2.3-beta.2', true],
    ['~0.0.0', '1.2.3', true],
    ['0.x.x', '1.2.3', false],
    ['0.0.x', '1.2.3', false],
    ['0.0.0', '1.2.3', false],
    ['^0.0.0', '1.2.3', false],
    ['= 2.0', '1.2.3', false],
    ['= 2.0', '2.0.0', true],
    ['4.1.x', '4.1.3', true],
    ['1.x', '1.4', true],
    ['!=4.1-alpha', '4.1.0-alpha', false],
    ['!=4.1-alpha', '4.1.1-alpha', false],
    ['!=4.x', '5.1.0', true],
    ['!=4.x', '4.1.0', false],
    ['!=4.1.x', '4.2.0', true],
    ['!=4.2.x', '4.2.3', false],
    ['<1.x', '1.1.1', false],
    ['<1.x', '0.1.1', true],
    ['<1.x', '2.0.0', false],
    ['<1.1.x', '1.2.1', false],
    ['<1.1.x', '1.1.500', false],
    ['<1.1.x', '1.0.500', true],
    ['<1.2.x', '1.1.1', true],
    ['>=1.1', '4.1.0-beta', false],
    ['<=1.1', '0.1.0-alpha', false],
    ['<=1.1-a', '0.1.0-alpha', true],
    ['<=1.x', '1.1.0', true],
    ['<=2.x', '3.0.0', false],
    ['<=1.1.x', '1.2.500', false],
    ['<=4.5', '3.4.0', true],
    ['<=4.5', '3.7.0', true],
    ['<=4.5', '4.6.3', false],
    ['>1.1, <2', '1.1.1', false],
    ['>1.1, <2', '1.2.1', true],
    ['>1.1, <3', '4.3.2', false],
    ['>=1.1, <2, !=1.2.3', '1.2.3', false],
    ['>1.1 <2', '1.1.1', false],
    ['>1.1 <2', '1.2.1', true],
    ['>1.1    <3', '4.3.2', false],
    ['>=1.1    <2    !=1.2.3', '1.2.3', false],
    ['>=1.1, <2, !=1.2.3 || > 3', '4.1.2', true],
    ['>=1.1, <2, !=1.2.3 || > 3', '3.1.2', false],
    ['>=1.1, <2, !=1.2.3 || >= 3', '3.0.0', true],
    ['>=1.1, <2, !=1.2.3 || > 3', '3.0.0', false],
    ['>=1.1, <2, !=1.2.3 || > 3', '1.2.3', false],
    ['> 1.1, <     2', '1.1.1', false],
    ['>   1.1, <2', '1.2.1', true],
    ['>= 1.1 <2 != 1.2.3 || >= 3', '3.0.0', true],
    ['>=1.1 < 2 !=1.2.3 || > 3', '1.2.3', false],
    ['1.1 - 2', '1.1.1', true],
    ['1.5.0 - 4.5', '3.7.0', true],
    ['1.1-3', '4.3.2', false],
    ['^1.1', '1.1.1', true],
    ['^1.1', '4.3.2', false],
    ['^1.x', '1.1.1', true],
    ['^2.x', '1.1.1', false],
    ['^1.x', '2.1.1', false],
    ['^1.x', '1.1.1-beta1', false],
    ['^1.1.2-alpha', '1.2.1-beta1', true],
    ['^1.2.x-alpha', '1.1.1-beta1', false],
    ['^0.0.1', '0.0.1', true],
    ['^0.0.1', '0.3.1', false],
    ['~*', '2.1.1', true],
    ['~1', '2.1.1', false],
    ['~1', '1.3.5', true],
    ['~1', '1.4', true],
    ['~1.x', '2.1.1', false],
    ['~1.x', '1.3.5', true],
    ['~1.x', '1.4', true],
    ['~1.1', '1.1.1', true],
    ['~1.1', '1.1.1-alpha', false],
    ['~1.1-alpha', '1.1.1-beta', true],
    ['~1.1.1-beta', '1.1.1-alpha', false],
    ['~1.1.1-beta', '1.1.1', true],
    ['~1.2.3', '1.2.5', true],
    ['~1.2.3', '1.2.2', false],
    ['~1.2.3', '1.3.2', false],
    ['~1.1', '1.2.3', false],
    ['~1.3', '2.4.5', false],
    ['~1.3.6-alpha', '1.3.5-beta', false],
    ['~1.3.5-alpha', '1.3.5-beta', true],
    ['~1.3.5-beta', '1.3.5-alpha', false],
    ['1.0.0 - 2.0.0 <=2.0.0', '1.5.0', true],
    ['1.0.0 - 2.0.0, <=2.0.0', '1.5.0', true],
    ['=>1.2', '1.2.0', true],
    ['=<1.2', '1.2.9', true],
    ['~>1.2', '1.2.9', true],
    ['~>1.2', '1.3.0', false],
    // Masterminds v3.4.0+ (#267): `!=` follows the group's prerelease rule like every operator.
    ['!=1.2.3', '1.2.3-rc.1', false],
  ])('%j admits %s: %s', (constraint, version, expected) => {
    expect(check(constraint, version)).toBe(expected);
  });
});

describe('parseConstraint: syntax', () => {
  it.each([
    '>= 1.1',
    '>40.50.60, < 50.70',
    '2.0',
    'v2.3.5-20161202202307-sha.e8fc5e5',
    '>= 1.2.3 < 2.0',
    '>= 1.2.3 < 2.0 || => 3.0 < 4',
    '>= 1.2.3, < 2.0 || => 3.0, < 4',
    '3 - 4 || => 3.0, < 4',
    '12.3.34 ~1.2.3',
    '1.0.0 - 2.0.0, <=2.0.0',
    '~1.2.x',
    '1.2.X',
    '*',
    '01.2.3',
  ])('accepts %j', (text) => {
    expect(parseConstraint(text).text).toBe(text);
  });

  it.each([
    '',
    '   ',
    'abc',
    '>= bar',
    'BAR >= 1.2.3',
    '12.3.4.1234',
    '12.23.4.1234',
    '12.3.34.1234',
    '12.3.34~ 1.2.3',
    '1.2 ||',
    '>>1',
  ])('rejects %j with an InvalidRequestError naming the text', (text) => {
    let caught: unknown;
    try {
      parseConstraint(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidRequestError);
    expect(caught).toBeInstanceOf(InvalidRequestError);
    expect((caught as Error).message).toContain(`source.semver_constraint "${text}" is invalid: `);
    expect((caught as Error).message).not.toContain('\n');
  });

  it('uses the field name it is given', () => {
    expect(() => parseConstraint('abc', 'params.constraint')).toThrow('params.constraint "abc" is invalid');
  });

  it('answers quickly on long hostile input', () => {
    const hostile = `${'1.'.repeat(400)}x!`;
    const started = Date.now();
    expect(() => parseConstraint(hostile)).toThrow(InvalidRequestError);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

// What changed between Masterminds v3.3 and v3.5.0 (the Go resource's pin).
describe('parseConstraint: Masterminds v3.5.0 behaviour', () => {
  it.each([
    // #267: one prerelease comparator admits prereleases for its whole AND group...
    ['>=1.0.0-0 <2.0.0', '1.5.0-rc.1', true],
    ['>=1.0.0 <2.0.0', '1.5.0-rc.1', false],
    ['>= 1.0.0 <= 2.0.0-beta', '1.0.1-beta', true],
    ['>= 1.0.0 <= 2.0.0-beta != 1.0.1-beta', '1.0.1-beta', false],
    // ...but not for the other || alternatives.
    ['>= 1.0.0 <= 2.0.0-beta || > 3', '3.0.1-beta', false],
    ['>= 1.0.0 <= 2.0.0-beta || > 3', '1.5.0-beta', true],
    // `!=` is no longer exempt from the prerelease rule.
    ['!=1.2.3', '1.2.3-rc.1', false],
    ['!=4.1.0', '5.1.0-alpha.1', false],
    ['!=1.2.3-rc.1', '1.2.3-rc.2', true],
    ['!=1.2.3-rc.1', '1.2.3-rc.1', false],
    // NewVersion coerces leading zeros in constraint versions too.
    ['01.2.3', '1.2.3', true],
    ['>= 22.04', '22.4.0', true],
    ['~22.04', '22.4.9', true],
    ['^20.04', '22.4.0', false],
  ])('%j admits %s: %s', (constraint, version, expected) => {
    expect(check(constraint, version)).toBe(expected);
  });

  it.each(['1.2.3-beta.01', '>= 1.0, < 2.0.0-rc.01'])(
    'rejects %j: numeric prerelease identifiers keep no leading zero',
    (text) => {
      expect(() => parseConstraint(text)).toThrow(InvalidRequestError);
    },
  );

  it('limits the text to 512 characters and 32 || alternatives, as MaxConstraintLen/MaxConstraintGroups', () => {
    const longest = `>=1.0.0-${'a'.repeat(250)}, <2.0.0-${'b'.repeat(245)}`;
    expect(longest.length).toBe(MAX_CONSTRAINT_LENGTH);
    expect(() => parseConstraint(longest)).not.toThrow();
    expect(() => parseConstraint(`${longest} `)).toThrow(`is invalid: longer than ${MAX_CONSTRAINT_LENGTH} characters`);

    const groups = (n: number) => Array.from({ length: n }, (_, i) => `${i}.x`).join(' || ');
    expect(parseConstraint(groups(MAX_CONSTRAINT_GROUPS)).alternatives).toHaveLength(MAX_CONSTRAINT_GROUPS);
    expect(() => parseConstraint(groups(MAX_CONSTRAINT_GROUPS + 1))).toThrow('more than 32 alternatives');
  });

  it('rejects a comparison whose version is longer than MaxVersionLen (256)', () => {
    expect(() => parseConstraint(`>= 1.0.0-${'a'.repeat(251)}`)).toThrow('is not a valid version');
    expect(parseConstraint(`>= 1.0.0-${'a'.repeat(250)}`).alternatives).toHaveLength(1);
  });

  it.each(['>=1.0\u00a0<2', '>=1.0\v<2', '\u30001.0'])(
    'rejects %j: only ASCII whitespace separates, as in Go',
    (text) => {
      expect(() => parseConstraint(text)).toThrow(InvalidRequestError);
    },
  );

  it('prints itself as Masterminds String() does', () => {
    expect(parseConstraint('2.x,   >=1.2.3 || >4.5.6, < 5.7').toString()).toBe('2.x >=1.2.3 || >4.5.6 <5.7');
    expect(parseConstraint('1 - 2').toString()).toBe('>=1 <=2');
  });

  it.each([`${'1  '.repeat(160)}!`, `${' '.repeat(500)}x!`, `${'1 - '.repeat(120)}!`, `${'>=1.x '.repeat(80)}!`])(
    'answers quickly on hostile input under the length limit (%#)',
    (hostile) => {
      expect(hostile.length).toBeLessThanOrEqual(MAX_CONSTRAINT_LENGTH);
      const started = Date.now();
      expect(() => parseConstraint(hostile)).toThrow(InvalidRequestError);
      expect(Date.now() - started).toBeLessThan(200);
    },
  );
});
