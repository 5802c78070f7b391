import { InvalidRequestError } from '../errors';
import { parseVersion, type Version } from './version';

/**
 * `source.semver_constraint`, with the syntax and the matching rules of Masterminds/semver v3
 * `NewConstraint`/`Check` (what the Go resource uses): comparison operators, `~`/`~>`, `^`,
 * `x`/`X`/`*` wildcards, hyphen ranges, comma- or space-separated AND, `||` OR. A comparator
 * without a prerelease never admits a prerelease version.
 */
export interface Constraint {
  readonly text: string;
  check(version: Version): boolean;
}

type Operator = '' | '=' | '!=' | '>' | '<' | '>=' | '=>' | '<=' | '=<' | '~' | '~>' | '^';

interface Comparator {
  readonly operator: Operator;
  /** The version part as written, e.g. `1.2.x`. */
  readonly written: string;
  /** The written version with wildcards and missing segments as 0. */
  readonly version: Version;
  /** Some segment was a wildcard or missing. */
  readonly loose: boolean;
  /** The minor segment (and so the patch) was a wildcard or missing. */
  readonly looseMinor: boolean;
  /** Only the patch segment was a wildcard or missing. */
  readonly loosePatch: boolean;
}

// The comparator grammar Masterminds accepts. Its segment class includes a literal `|` (a quirk
// of its `[0-9|x|X|\*]`), kept so that the same texts are accepted or rejected.
const SEGMENT = '[0-9|xX*]+';
const IDENTIFIERS = '[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*';
const LOOSE_VERSION = `v?(${SEGMENT})(\\.${SEGMENT})?(\\.${SEGMENT})?(-${IDENTIFIERS})?(?:\\+${IDENTIFIERS})?`;
const LOOSE_VERSION_UNCAPTURED = `v?${SEGMENT}(?:\\.${SEGMENT})?(?:\\.${SEGMENT})?(?:-${IDENTIFIERS})?(?:\\+${IDENTIFIERS})?`;
// Alternation order matters (first match wins, then backtracking), as in the Go regexp.
const OPERATOR = '=||!=|>|<|>=|=>|<=|=<|~|~>|\\^';

const SINGLE = new RegExp(`^\\s*(${OPERATOR})\\s*(${LOOSE_VERSION})\\s*$`);
const ANY_IN_GROUP = new RegExp(`(?:${OPERATOR})\\s*${LOOSE_VERSION_UNCAPTURED}`, 'g');
const WHOLE_GROUP = new RegExp(
  `^\\s*(?:${OPERATOR})\\s*${LOOSE_VERSION_UNCAPTURED}\\s*` +
    `(?:(?:\\s+|,\\s*)(?:${OPERATOR})\\s*${LOOSE_VERSION_UNCAPTURED}\\s*)*$`,
);
const HYPHEN_RANGE = new RegExp(`\\s*(${LOOSE_VERSION_UNCAPTURED})\\s+-\\s+(${LOOSE_VERSION_UNCAPTURED})\\s*`, 'g');

// Backtracking regexes on hostile input could take long; real constraints are short.
const MAX_LENGTH = 1024;

/**
 * Parse a constraint. Throws InvalidRequestError naming `field` and the text when it is not
 * valid Masterminds syntax (the empty string included: the caller decides whether "" means none).
 */
export function parseConstraint(text: string, field = 'source.semver_constraint'): Constraint {
  const fail = (why: string): never => {
    throw new InvalidRequestError(`${field} "${text}" is invalid: ${why}`);
  };
  if (text.length > MAX_LENGTH) fail(`longer than ${MAX_LENGTH} characters`);

  const rewritten = text.replace(HYPHEN_RANGE, (_whole, low: string, high: string) => `>= ${low}, <= ${high} `);
  const alternatives: Comparator[][] = rewritten.split('||').map((group) => {
    if (!WHOLE_GROUP.test(group)) fail(`"${group.trim()}" is not a version comparison`);
    const pieces = group.match(ANY_IN_GROUP) ?? [group];
    return pieces.map((piece) => parseComparator(piece) ?? fail(`"${piece.trim()}" is not a valid version`));
  });

  return {
    text,
    check: (version) => alternatives.some((all) => all.every((comparator) => admits(comparator, version))),
  };
}

function isWildcard(segment: string | undefined): boolean {
  return segment === 'x' || segment === 'X' || segment === '*';
}

function parseComparator(piece: string): Comparator | undefined {
  const match = SINGLE.exec(piece);
  if (match === null) return undefined;
  const [, operator = '', written = '', major = '', dottedMinor, dottedPatch, dashedPrerelease = ''] = match;
  const minor = dottedMinor?.slice(1);
  const patch = dottedPatch?.slice(1);

  let text = written;
  let loose = true;
  let looseMinor = false;
  let loosePatch = false;
  if (isWildcard(major)) {
    text = `0.0.0${dashedPrerelease}`;
  } else if (minor === undefined || isWildcard(minor)) {
    looseMinor = true;
    text = `${major}.0.0${dashedPrerelease}`;
  } else if (patch === undefined || isWildcard(patch)) {
    loosePatch = true;
    text = `${major}.${minor}.0${dashedPrerelease}`;
  } else {
    loose = false;
  }

  const version = parseVersion(text);
  if (version === undefined) return undefined;
  return { operator: operator as Operator, written, version, loose, looseMinor, loosePatch };
}

function admits(c: Comparator, v: Version): boolean {
  // Masterminds' rule (its issue 21): prereleases only match comparators that name one. Its
  // exact `!=` (no wildcard) is the one comparator that skips the rule.
  const exactNotEqual = c.operator === '!=' && !c.loose;
  if (!exactNotEqual && v.prerelease !== '' && c.version.prerelease === '') return false;
  switch (c.operator) {
    case '':
    case '=':
      return c.loose ? tilde(c, v) : v.equals(c.version);
    case '!=':
      return notEqual(c, v);
    case '>':
      return greater(c, v);
    case '<':
      return v.lessThan(c.version);
    case '>=':
    case '=>':
      return !v.lessThan(c.version);
    case '<=':
    case '=<':
      return lessOrEqual(c, v);
    case '~':
    case '~>':
      return tilde(c, v);
    case '^':
      return caret(c, v);
  }
}

function notEqual(c: Comparator, v: Version): boolean {
  const con = c.version;
  if (c.loose) {
    if (con.major !== v.major) return true;
    if (c.looseMinor) return false;
    if (con.minor !== v.minor) return true;
    if (!c.loosePatch && con.patch !== v.patch) return true;
    // With major and minor equal, `!=1.2` rejects every patch; `!=1.2-alpha` only that prerelease.
    if (c.loosePatch) return v.prerelease !== con.prerelease;
  }
  return !v.equals(c.version);
}

function greater(c: Comparator, v: Version): boolean {
  const con = c.version;
  if (!c.loose) return v.greaterThan(con);
  if (v.major !== con.major) return v.major > con.major;
  // `>11` needs 12 or more; `>11.1` needs 11.2 or more.
  if (c.looseMinor) return false;
  if (c.loosePatch) return v.minor > con.minor;
  return v.greaterThan(con);
}

function lessOrEqual(c: Comparator, v: Version): boolean {
  const con = c.version;
  if (!c.loose) return !v.greaterThan(con);
  if (v.major > con.major) return false;
  if (v.major === con.major && v.minor > con.minor && !c.looseMinor) return false;
  return true;
}

// ~1.2.3 and ~1.2 → >=1.2.x <1.3.0; ~1 → >=1.0.0 <2.0.0; ~0.0.0 and ~* → anything.
function tilde(c: Comparator, v: Version): boolean {
  const con = c.version;
  if (v.lessThan(con)) return false;
  if (con.major === 0n && con.minor === 0n && con.patch === 0n && !c.looseMinor && !c.loosePatch) return true;
  if (v.major !== con.major) return false;
  if (v.minor !== con.minor && !c.looseMinor) return false;
  return true;
}

// ^1.2.3 → <2.0.0; ^0.2.3 → <0.3.0; ^0.0.3 → =0.0.3; ^0.0 → <0.1.0; ^0 → <1.0.0.
function caret(c: Comparator, v: Version): boolean {
  const con = c.version;
  if (v.lessThan(con)) return false;
  if (con.major > 0n || c.looseMinor) return v.major === con.major;
  if (v.major > 0n) return false;
  if (con.minor > 0n || c.loosePatch) return v.minor === con.minor;
  if (v.minor > 0n) return false;
  return v.patch === con.patch;
}
