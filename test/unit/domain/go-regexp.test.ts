import { describe, expect, it } from 'vitest';
import { compileGoRegexp } from '../../../src/domain/go-regexp';
import { InvalidRequestError } from '../../../src/domain/errors';

const matches = (pattern: string, text: string): boolean => compileGoRegexp('source.tag_regex', pattern).matches(text);

describe('compileGoRegexp: Go regexp (RE2) syntax and semantics', () => {
  it.each([
    // [pattern, matching, not matching]
    ['(?i)^V[[:digit:]]+\\z', 'v12', 'v12-rc'],
    ['^[[:alpha:]][[:alnum:]_]*$', 'a_1', '1a'],
    ['(?s)^a.b$', 'a\nb', 'a\n\nb'],
    ['(?m)^b$', 'a\nb\nc', 'a\nbc'],
    ['(?U)^a+?b$', 'aab', 'b'],
    ['^(?P<major>[0-9]+)\\.(?P<minor>[0-9]+)$', '1.10', '1.x'],
    ['\\Abuild-', 'build-1', 'rebuild-1'],
    ['-rc\\z', '1.0-rc', '1.0-rc1'],
    ['^\\Q1.2+b\\E$', '1.2+b', '1.22b'],
    ['^\\pL+$', 'élan', 'v1'],
    ['^\\p{Greek}+$', 'αβ', 'ab'],
    ['(?i:BETA)', 'v1-beta', 'v1-bet'],
  ])('%s matches %j, not %j', (pattern, yes, no) => {
    expect(matches(pattern, yes)).toBe(true);
    expect(matches(pattern, no)).toBe(false);
  });

  it('matches anywhere in the text, as Go MatchString, and $ only at the very end', () => {
    expect(matches('beta', 'v1-beta.2')).toBe(true);
    expect(matches('^1\\.2$', '1.2\n')).toBe(false);
    expect(matches('', 'anything')).toBe(true);
  });

  it.each([
    ['(a)\\1', 'invalid escape sequence: `\\1`'],
    ['^(?=v)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['^(?!v)', 'invalid or unsupported Perl syntax: `(?!`'],
    ['(?<=v)1', 'invalid named capture: `(?<=v)1`'],
    ['(?<!v)1', 'invalid named capture: `(?<!v)1`'],
    ['a++', 'invalid nested repetition operator: `++`'],
    ['x{1001}', 'invalid repeat count: `{1001}`'],
    ['(unclosed', 'missing closing ): `(unclosed`'],
    ['\\Z', 'invalid escape sequence: `\\Z`'],
  ])('rejects %s as Go does, in one line naming the field and the pattern', (pattern, why) => {
    expect(() => compileGoRegexp('params.label_regex', pattern)).toThrow(
      `params.label_regex "${pattern}" is not a valid regular expression (Go RE2 syntax): ${why}`,
    );
  });

  it('keeps the error on one line for a pattern with a newline', () => {
    let message = '';
    try {
      compileGoRegexp('source.tag_regex', '(a\nb');
    } catch (error) {
      message = (error as Error).message;
      expect(error).toBeInstanceOf(InvalidRequestError);
    }
    expect(message).toBe(
      'source.tag_regex "(a\\nb" is not a valid regular expression (Go RE2 syntax): missing closing ): `(a\\nb`',
    );
  });

  it('filters 100,000 tags with a pathological pattern in linear time', () => {
    // A backtracking engine (JS RegExp) takes about 25 s for ONE 29-character tag with this pattern.
    const regex = compileGoRegexp('source.tag_regex', '(a+)+$');
    const tags = Array.from({ length: 100_000 }, (_, i) => `${'a'.repeat(30 + (i % 98))}!`);
    const started = performance.now();
    const matching = tags.filter((tag) => regex.matches(tag));
    const elapsed = performance.now() - started;
    expect(matching).toEqual([]);
    expect(elapsed).toBeLessThan(10_000);
  });
});
