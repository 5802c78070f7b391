import { describe, expect, it } from 'vitest';
import { scanAndGroup, type WrittenComparison } from '../../../../src/domain/semver/constraint-grammar';

/**
 * The scanner against Masterminds' own expressions (constraints.go: validConstraintRegex,
 * findConstraintRegex, constraintRegex), written here as JavaScript regular expressions with
 * Go's ASCII `\s`. They are fine as an oracle on short texts; on long ones they backtrack
 * exponentially, which is why the code does not use them.
 */
const S = '[\\t\\n\\f\\r ]';
const OPS = '=||!=|>|<|>=|=>|<=|=<|~|~>|\\^';
const CV =
  'v?([0-9|x|X|\\*]+)(\\.[0-9|x|X|\\*]+)?(\\.[0-9|x|X|\\*]+)?' +
  '(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?' +
  '(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?';
const VALID = new RegExp(`^(${S}*(${OPS})${S}*(${CV})${S}*)((?:${S}+|,${S}*)(${OPS})${S}*(${CV})${S}*)*$`);
const FIND = new RegExp(`(${OPS})${S}*(${CV})`, 'g');
const ONE = new RegExp(`^${S}*(${OPS})${S}*(${CV})${S}*$`);

function oracle(group: string): Partial<WrittenComparison>[] | undefined {
  if (!VALID.test(group)) return undefined;
  return [...group.matchAll(FIND)].map(([piece]) => {
    const m = ONE.exec(piece) ?? [];
    return {
      operator: m[1] as WrittenComparison['operator'],
      written: m[2],
      major: m[3],
      minor: m[4]?.slice(1),
      patch: m[5]?.slice(1),
      dashedPrerelease: m[6] ?? '',
    };
  });
}

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPERATORS = ['', '', '=', '!=', '>', '<', '>=', '=>', '<=', '=<', '~', '~>', '^', '==', '>>', '<>'];
// Mostly texts the grammar accepts, some it does not (to exercise the rejections).
const VERSIONS = [
  '1',
  '1.2',
  '1.2.3',
  'v1.2',
  '1.x',
  '2.*.X',
  '*',
  'x',
  '1|2',
  '1.2.3-rc.1',
  '1.2-0',
  '1.0.0+b.1',
  '01.2',
];
const BAD_VERSIONS = ['1.2.3.4', '1.', '1-', '1.2-a..b', 'V1', 'a', ''];
const SEPARATORS = [' ', '  ', ',', ', ', ' , ', '\t'];
const BAD_SEPARATORS = ['', ',,', '\v', '\u00a0', ' - '];
const NOISE = [' ', '.', '-', '+', '!', '|', 'x', '0', 'é'];

describe('constraint grammar: scanner against the Masterminds expressions', () => {
  it('splits or rejects 6000 generated AND groups exactly as the expressions do', () => {
    const next = random(0x6e4);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const disagreements: string[] = [];
    let valid = 0;
    for (let i = 0; i < 6000; i++) {
      const count = 1 + Math.floor(next() * 4);
      let group = next() < 0.2 ? ' ' : '';
      for (let c = 0; c < count; c++) {
        if (c > 0) group += next() < 0.9 ? pick(SEPARATORS) : pick(BAD_SEPARATORS);
        group += `${pick(OPERATORS)}${next() < 0.2 ? ' ' : ''}${next() < 0.9 ? pick(VERSIONS) : pick(BAD_VERSIONS)}`;
      }
      if (next() < 0.15) group += pick(NOISE);
      const expected = oracle(group);
      if (expected !== undefined) valid++;
      const actual = scanAndGroup(group);
      if (
        JSON.stringify(actual === undefined ? null : actual.map(normalise)) !==
        JSON.stringify(expected === undefined ? null : expected.map(normalise))
      ) {
        disagreements.push(JSON.stringify(group));
      }
    }
    expect(disagreements).toEqual([]);
    expect(valid).toBeGreaterThan(1000);
    expect(valid).toBeLessThan(5000);
  });

  it.each([
    [
      '>=1.2 <2',
      [
        ['>=', '1.2'],
        ['<', '2'],
      ],
    ],
    [
      '  ~> 1.x ,^2',
      [
        ['~>', '1.x'],
        ['^', '2'],
      ],
    ],
    ['1.2.3-rc.1+b', [['', '1.2.3-rc.1+b']]],
  ])('reads %j as %j', (group, expected) => {
    expect(scanAndGroup(group)?.map((c) => [c.operator, c.written])).toEqual(expected);
  });

  it.each(['1.2\v', '\u00a01.2', '1.2 <', '>= >1', '1.2.3.4', ''])('rejects %j (Go \\s is ASCII only)', (group) => {
    expect(scanAndGroup(group)).toBeUndefined();
  });

  it('reads a long group in linear time where the expressions would backtrack', () => {
    const group = `${'1  '.repeat(160)}!`;
    const started = Date.now();
    expect(scanAndGroup(group)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(100);
  });
});

function normalise(c: Partial<WrittenComparison>): Partial<WrittenComparison> {
  return {
    operator: c.operator,
    written: c.written,
    major: c.major,
    ...(c.minor === undefined ? {} : { minor: c.minor }),
    ...(c.patch === undefined ? {} : { patch: c.patch }),
    dashedPrerelease: c.dashedPrerelease,
  };
}
