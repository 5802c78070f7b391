/**
 * Semantic versions as Masterminds/semver v3 `NewVersion` reads them, because the Go resource
 * decides which tags are versions (and how they sort) with that library: an optional lowercase
 * `v`, one to three numeric segments without leading zeros, then an optional prerelease and build
 * metadata. Comparison follows semver 2.0 precedence; build metadata is ignored.
 */

const NUMBER = '(0|[1-9][0-9]*)';
const PRERELEASE_IDENTIFIER = '(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)';
const BUILD_IDENTIFIER = '[0-9A-Za-z-]+';
const VERSION_PATTERN = new RegExp(
  `^v?${NUMBER}(?:\\.${NUMBER})?(?:\\.${NUMBER})?` +
    `(?:-(${PRERELEASE_IDENTIFIER}(?:\\.${PRERELEASE_IDENTIFIER})*))?` +
    `(?:\\+(${BUILD_IDENTIFIER}(?:\\.${BUILD_IDENTIFIER})*))?$`,
);

// Masterminds parses segments as uint64; anything larger is not a version.
const UINT64_MAX = 18446744073709551615n;
const DIGITS = /^[0-9]+$/;

export class Version {
  constructor(
    /** The text as given, `v` prefix included. */
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

  /** Canonical form: always three segments, never a `v` (Masterminds' `String()`). */
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

/** The version `text` denotes, or undefined when Masterminds would reject it. */
export function parseVersion(text: string): Version | undefined {
  const match = VERSION_PATTERN.exec(text);
  if (match === null) return undefined;
  const [, majorText, minorText, patchText, prerelease, metadata] = match;
  if (majorText === undefined) return undefined;
  const major = BigInt(majorText);
  const minor = minorText === undefined ? 0n : BigInt(minorText);
  const patch = patchText === undefined ? 0n : BigInt(patchText);
  if (major > UINT64_MAX || minor > UINT64_MAX || patch > UINT64_MAX) return undefined;
  const segments = patchText !== undefined ? 3 : minorText !== undefined ? 2 : 1;
  return new Version(text, major, minor, patch, prerelease ?? '', metadata ?? '', segments);
}

export function compareVersions(a: Version, b: Version): -1 | 0 | 1 {
  return a.compare(b);
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
    const order = compareIdentifiers(left[i] ?? '', right[i] ?? '');
    if (order !== 0) return order;
  }
  return 0;
}

function compareIdentifiers(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  if (a === '') return -1;
  if (b === '') return 1;
  const aNumber = numericIdentifier(a);
  const bNumber = numericIdentifier(b);
  if (aNumber !== undefined && bNumber !== undefined) return compareNumbers(aNumber, bNumber);
  // Numeric identifiers rank below alphanumeric ones.
  if (aNumber !== undefined) return -1;
  if (bNumber !== undefined) return 1;
  return a < b ? -1 : 1;
}

function numericIdentifier(identifier: string): bigint | undefined {
  if (!DIGITS.test(identifier)) return undefined;
  const value = BigInt(identifier);
  // Masterminds falls back to text comparison when the number overflows uint64.
  return value > UINT64_MAX ? undefined : value;
}
