import { type Operator, type WrittenComparison } from './constraint-grammar';
import { parseVersion, type Version } from './version';

/**
 * One comparison of a constraint with the meaning Masterminds/semver v3.5.0 gives it
 * (constraints.go: `parseConstraint` and the `constraint*` functions).
 */
export interface Comparator {
  readonly operator: Operator;
  /** The version part as written, e.g. `1.2.x`. */
  readonly written: string;
  /** The written version with wildcards and missing segments as 0 (Masterminds' `con`). */
  readonly version: Version;
  /** Some segment was a wildcard or missing. */
  readonly dirty: boolean;
  /** The minor segment (and so the patch) was a wildcard or missing. */
  readonly minorDirty: boolean;
  /** Only the patch segment was a wildcard or missing. */
  readonly patchDirty: boolean;
}

function isWildcard(segment: string | undefined): boolean {
  return segment === 'x' || segment === 'X' || segment === '*';
}

/** The comparator, or undefined when its version is not one `NewVersion` accepts. */
export function toComparator(written: WrittenComparison): Comparator | undefined {
  const { operator, major, minor, patch, dashedPrerelease } = written;
  let text = written.written;
  let dirty = true;
  let minorDirty = false;
  let patchDirty = false;
  // Build metadata is dropped as soon as a segment is loose, as Masterminds does.
  if (isWildcard(major)) {
    text = `0.0.0${dashedPrerelease}`;
  } else if (minor === undefined || isWildcard(minor)) {
    minorDirty = true;
    text = `${major}.0.0${dashedPrerelease}`;
  } else if (patch === undefined || isWildcard(patch)) {
    patchDirty = true;
    text = `${major}.${minor}.0${dashedPrerelease}`;
  } else {
    dirty = false;
  }
  const version = parseVersion(text);
  if (version === undefined) return undefined;
  return { operator, written: written.written, version, dirty, minorDirty, patchDirty };
}

/**
 * Whether `v` satisfies `c`. `prereleasesAllowed` is decided per AND group: a prerelease version
 * can only match a group in which some comparator names a prerelease.
 */
export function admits(c: Comparator, v: Version, prereleasesAllowed: boolean): boolean {
  if (v.prerelease !== '' && !prereleasesAllowed) return false;
  switch (c.operator) {
    case '':
    case '=':
      return c.dirty ? tilde(c, v) : v.equals(c.version);
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

// `!=4.x` rejects all of 4; `!=4.1` all of 4.1 releases; `!=4.1-alpha` only that prerelease.
function notEqual(c: Comparator, v: Version): boolean {
  const con = c.version;
  if (c.dirty) {
    if (con.major !== v.major) return true;
    if (c.minorDirty) return false;
    if (con.minor !== v.minor) return true;
    if (c.patchDirty) return v.prerelease !== con.prerelease;
    if (con.patch !== v.patch) return true;
  }
  return !v.equals(con);
}

function greater(c: Comparator, v: Version): boolean {
  const con = c.version;
  if (!c.dirty) return v.greaterThan(con);
  if (v.major !== con.major) return v.major > con.major;
  // `>11` needs 12 or more; `>11.1` needs 11.2 or more.
  if (c.minorDirty) return false;
  if (c.patchDirty) return v.minor > con.minor;
  return v.greaterThan(con);
}

function lessOrEqual(c: Comparator, v: Version): boolean {
  const con = c.version;
  if (!c.dirty) return !v.greaterThan(con);
  if (v.major > con.major) return false;
  return !(v.major === con.major && v.minor > con.minor && !c.minorDirty);
}

// ~1.2.3 and ~1.2 → >=1.2.x <1.3.0; ~1 → >=1.0.0 <2.0.0; ~0.0.0 and ~* → anything.
function tilde(c: Comparator, v: Version): boolean {
  const con = c.version;
  if (v.lessThan(con)) return false;
  if (con.major === 0n && con.minor === 0n && con.patch === 0n && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== con.major) return false;
  return v.minor === con.minor || c.minorDirty;
}

// ^1.2.3 → <2.0.0; ^0.2.3 → <0.3.0; ^0.0.3 → =0.0.3; ^0.0 → <0.1.0; ^0 → <1.0.0.
function caret(c: Comparator, v: Version): boolean {
  const con = c.version;
  if (v.lessThan(con)) return false;
  if (con.major > 0n || c.minorDirty) return v.major === con.major;
  if (v.major > 0n) return false;
  if (con.minor > 0n || c.patchDirty) return v.minor === con.minor;
  if (v.minor > 0n) return false;
  return v.patch === con.patch;
}
