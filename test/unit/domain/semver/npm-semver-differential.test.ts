import { compare as npmCompare, valid as npmValid } from 'semver';
import { describe, expect, it } from 'vitest';
import { parseVersion, type Version } from '../../../../src/domain/semver/version';

/**
 * Our versions against npm's semver on the texts both read the same way: full three-segment
 * versions without leading zeros and numbers npm holds exactly. Outside that subset Masterminds
 * differs on purpose (partial versions, leading zeros, uint64 numbers), and the tables cover it.
 */

// mulberry32: small, seeded, the same sequence on every run.
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

type Random = () => number;
const pick = <T>(next: Random, items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;

const NUMBERS = ['0', '1', '2', '3', '9', '10', '11', '99', '100', '2147483648', '999999999999'];
const WORDS = ['alpha', 'beta', 'rc', 'a', 'b', 'B', 'x1', '1a', '0a', '-', 'a-b', 'rc-1', 'SNAPSHOT', 'zz'];
// Texts that are not valid identifiers (leading zero, bad character, empty).
const BAD_IDENTIFIERS = ['01', '00', '007', 'a_b', 'é', ''];

function number(next: Random): string {
  return next() < 0.8 ? pick(next, NUMBERS) : String(Math.floor(next() * 1e6));
}

function identifiers(next: Random, bad: boolean): string {
  const count = 1 + Math.floor(next() * 3);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    if (bad && next() < 0.2) parts.push(pick(next, BAD_IDENTIFIERS));
    else parts.push(next() < 0.5 ? number(next) : pick(next, WORDS));
  }
  return parts.join('.');
}

/** A version text; `bad` lets some invalid prerelease or build identifiers in. */
function versionText(next: Random, bad: boolean, core?: string): string {
  let text = core ?? `${number(next)}.${number(next)}.${number(next)}`;
  if (next() < 0.6) text += `-${identifiers(next, bad)}`;
  if (next() < 0.25) text += `+${identifiers(next, bad)}`;
  return next() < 0.1 ? `v${text}` : text;
}

function parsed(text: string): Version {
  const version = parseVersion(text);
  if (version === undefined) throw new Error(`generated version ${text} does not parse`);
  return version;
}

describe('versions against npm semver (seeded, deterministic)', () => {
  it('accepts and rejects the same 3000 texts', () => {
    const next = random(0x5e3e7);
    const disagreements: string[] = [];
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const text = versionText(next, true);
      const ours = parseVersion(text) !== undefined;
      if (ours) accepted++;
      if (ours !== (npmValid(text) !== null)) disagreements.push(text);
    }
    expect(disagreements).toEqual([]);
    // Both outcomes are well represented, so the agreement means something.
    expect(accepted).toBeGreaterThan(1000);
    expect(accepted).toBeLessThan(2900);
  });

  it('orders 4000 pairs the same way (cores often shared, so prereleases decide)', () => {
    const next = random(0xc0ffee);
    const cores = ['1.0.0', '0.0.1', '2.10.3', '1.2.3'];
    const disagreements: string[] = [];
    const orders = new Set<number>();
    for (let i = 0; i < 4000; i++) {
      const core = next() < 0.7 ? pick(next, cores) : undefined;
      const a = versionText(next, false, core);
      const b = next() < 0.1 ? a : versionText(next, false, next() < 0.8 ? core : undefined);
      const ours = parsed(a).compare(parsed(b));
      orders.add(ours);
      if (ours !== npmCompare(a, b)) disagreements.push(`${a} vs ${b}: ours ${ours}, npm ${npmCompare(a, b)}`);
    }
    expect(disagreements).toEqual([]);
    expect([...orders].sort()).toEqual([-1, 0, 1]);
  });

  it('sorts 500 versions into the same order', () => {
    const next = random(42);
    const texts = Array.from({ length: 500 }, () => versionText(next, false, next() < 0.5 ? '1.0.0' : undefined));
    const ours = texts
      .map((text, i) => ({ text, i }))
      .sort((x, y) => parsed(x.text).compare(parsed(y.text)) || x.i - y.i);
    const theirs = texts.map((text, i) => ({ text, i })).sort((x, y) => npmCompare(x.text, y.text) || x.i - y.i);
    expect(ours.map((entry) => entry.i)).toEqual(theirs.map((entry) => entry.i));
  });
});
