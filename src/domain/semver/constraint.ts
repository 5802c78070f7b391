import { InvalidRequestError } from '../errors';
import { admits, toComparator, type Comparator } from './comparator';
import { rewriteHyphenRanges, scanAndGroup } from './constraint-grammar';
import { type Version } from './version';

/**
 * `source.semver_constraint`, with the syntax and the matching rules of Masterminds/semver
 * v3.5.0 `NewConstraint`/`Check` (what the Go resource uses): comparison operators, `~`/`~>`,
 * `^`, `x`/`X`/`*` wildcards, partial versions, hyphen ranges, comma- or space-separated AND,
 * `||` OR. A prerelease version only matches an AND group in which some comparator names a
 * prerelease (`>=1.0.0-0 <2.0.0` admits `1.5.0-rc.1`; `>=1.0.0 <2.0.0` does not).
 */
export interface Constraint {
  readonly text: string;
  /** The `||` alternatives, each an AND group of comparators. */
  readonly alternatives: readonly (readonly Comparator[])[];
  check(version: Version): boolean;
  /** Masterminds' `String()`: operator and version as written, AND by space, OR by ` || `. */
  toString(): string;
}

/** Masterminds' `MaxConstraintLen`. */
export const MAX_CONSTRAINT_LENGTH = 512;
/** Masterminds' `MaxConstraintGroups`: at most this many `||` alternatives. */
export const MAX_CONSTRAINT_GROUPS = 32;

/**
 * Parse a constraint. Throws InvalidRequestError naming `field` and the text when it is not
 * valid Masterminds syntax (the empty string included: the caller decides whether "" means none).
 */
export function parseConstraint(text: string, field = 'source.semver_constraint'): Constraint {
  const fail = (why: string): never => {
    throw new InvalidRequestError(`${field} "${text}" is invalid: ${why}`);
  };
  if (text.length > MAX_CONSTRAINT_LENGTH) fail(`longer than ${MAX_CONSTRAINT_LENGTH} characters`);

  const groups = rewriteHyphenRanges(text).split('||');
  if (groups.length > MAX_CONSTRAINT_GROUPS) fail(`more than ${MAX_CONSTRAINT_GROUPS} alternatives joined by ||`);
  const alternatives = groups.map((group) => {
    const written = scanAndGroup(group) ?? fail(`"${group.trim()}" is not a version comparison`);
    return written.map((one) => toComparator(one) ?? fail(`"${one.operator}${one.written}" is not a valid version`));
  });
  const prereleasesAllowed = alternatives.map((all) => all.some((c) => c.version.prerelease !== ''));

  return {
    text,
    alternatives,
    check: (version) =>
      alternatives.some((all, i) => all.every((c) => admits(c, version, prereleasesAllowed[i] ?? false))),
    toString: () => alternatives.map((all) => all.map((c) => `${c.operator}${c.written}`).join(' ')).join(' || '),
  };
}
