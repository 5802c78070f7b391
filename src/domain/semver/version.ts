import { compareIdentifiers } from 'semver/internal/identifiers';

/**
 * Semantic versions as Masterminds/semver v3.5.0 `NewVersion` reads them (its default,
 * coercing mode), because the Go resource decides which tags are versions, and how they sort,
 * with that call: an optional lowercase `v`, one to three numeric segments (leading zeros
 * allowed and dropped: `22.04` is 22.4.0), then an optional prerelease and build metadata.
 * Numeric prerelease identifiers must not have leading zeros. Comparison is semver 2.0
 * precedence; build metadata never counts.
 */

/** Masterminds' `MaxVersionLen`: longer texts are not versions. */
export const MAX_VERSION_LENGTH = 256;

const LOOSE_VERSION =
  /^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

// Masterminds parses segments as uint64; anything larger is not a version.
const UINT64_MAX = 18446744073709551615n;
const DIGITS = /^[0-9]+$/;
// npm's semver compares digit identifiers as JS numbers, exact up to 15 digits.
const SAFE_DIGITS = 15;

export class Version {
  constructor(
    /** The text as given, `v` prefix and leading zeros included. */
    readonly original: string,
    readonly major: bigint,
    readonly minor: bigint,
    readonly patch: bigint,
    /** Without the leading `-`; empty when absent. */
    readonly prerelease: string,
    /** Without the leading `+`; empty when absent. */
    readonly metadata: string,
    /** How many numeric segments the text spelled out (1 for `1`, 3 for `1.2.3`). */
    readonly segments: 1 | 2 | 3,
  ) {}

  /** Canonical form: three segments, no `v`, no leading zeros (Masterminds' `String()`). */
  toString(): string {
    let text = `${this.major}.${this.minor}.${this.patch}`;
    if (this.prerelease !== '') text += `-${this.prerelease}`;
    if (this.metadata !== '') text += `+${this.metadata}`;
    return text;
  }

  /** -1, 0 or 1 by semver precedence; `1.2` equals `1.2.0`, build metadata never counts. */
  compare(other: Version): -1 | 0 | 1 {
    const core =
      compareNumbers(this.major, other.major) ||
      compareNumbers(this.minor, other.minor) ||
      compareNumbers(this.patch, other.patch);
    if (core !== 0) return core;
    if (this.prerelease === other.prerelease) return 0;
    // A release outranks any of its prereleases.
    if (this.prerelease === '') return 1;
    if (other.prerelease === '') return -1;
    return comparePrereleases(this.prerelease, other.prerelease);
  }

  lessThan(other: Version): boolean {
    return this.compare(other) < 0;
  }

  greaterThan(other: Version): boolean {
    return this.compare(other) > 0;
  }

  equals(other: Version): boolean {
    return this.compare(other) === 0;
  }
}

/** The version `text` denotes, or undefined when Masterminds' `NewVersion` would reject it. */
export function parseVersion(text: string): Version | undefined {
  if (text.length > MAX_VERSION_LENGTH) return undefined;
  const match = LOOSE_VERSION.exec(text);
  if (match === null) return undefined;
  const [, majorText = '', minorText, patchText, prerelease = '', metadata = ''] = match;
  const major = BigInt(majorText);
  const minor = minorText === undefined ? 0n : BigInt(minorText);
  const patch = patchText === undefined ? 0n : BigInt(patchText);
  if (major > UINT64_MAX || minor > UINT64_MAX || patch > UINT64_MAX) return undefined;
  if (prerelease !== '' && !validPrerelease(prerelease)) return undefined;
  const segments = patchText !== undefined ? 3 : minorText !== undefined ? 2 : 1;
  return new Version(text, major, minor, patch, prerelease, metadata, segments);
}

export function compareVersions(a: Version, b: Version): -1 | 0 | 1 {
  return a.compare(b);
}

// Coercion stops at the numeric segments: a numeric prerelease identifier keeps the semver rule.
function validPrerelease(prerelease: string): boolean {
  return prerelease
    .split('.')
    .every((identifier) => !(DIGITS.test(identifier) && identifier.length > 1 && identifier.startsWith('0')));
}

function compareNumbers(a: bigint, b: bigint): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Semver 2.0 §11: identifier by identifier; a shorter list that is a prefix sorts first. */
function comparePrereleases(a: string, b: string): -1 | 0 | 1 {
  const left = a.split('.');
  const right = b.split('.');
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i++) {
    const l = left[i];
    const r = right[i];
    if (l === undefined) return -1;
    if (r === undefined) return 1;
    const order = compareIdentifier(l, r);
    if (order !== 0) return order;
  }
  return 0;
}

function compareIdentifier(a: string, b: string): -1 | 0 | 1 {
  if (!isLongNumber(a) && !isLongNumber(b)) return compareIdentifiers(a, b);
  // Digits npm would round: Masterminds compares them as uint64, and as text past uint64.
  const aNumber = numericIdentifier(a);
  const bNumber = numericIdentifier(b);
  if (aNumber !== undefined && bNumber !== undefined) return compareNumbers(aNumber, bNumber);
  // Numeric identifiers rank below alphanumeric ones.
  if (aNumber !== undefined) return -1;
  if (bNumber !== undefined) return 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

function isLongNumber(identifier: string): boolean {
  return identifier.length > SAFE_DIGITS && DIGITS.test(identifier);
}

function numericIdentifier(identifier: string): bigint | undefined {
  if (!DIGITS.test(identifier)) return undefined;
  const value = BigInt(identifier);
  return value > UINT64_MAX ? undefined : value;
}
