import { type Constraint } from './constraint';
import { parseVersion, type Version } from './version';

/**
 * Which tags `check` follows when neither `source.tag` nor `source.tag_regex` is set, as the Go
 * resource decides it (commands/check.go, semver table of check_test.go).
 */
export interface SemverPolicy {
  /** `source.variant`: only `<version>-<variant>` tags count, and `<variant>` is the bare tag. */
  variant?: string;
  /** `source.pre_releases`. */
  preReleases: boolean;
  /** `source.pre_release_prefixes`: extra prerelease prefixes besides alpha, beta and rc. */
  preReleasePrefixes: string[];
  /** `source.semver_constraint`, parsed; absent when the source has none. */
  constraint?: Constraint;
}

const BUILT_IN_PRERELEASE_PREFIXES = ['alpha', 'beta', 'rc'];

/** How one tag reads under a policy. */
export type SemverTag =
  { kind: 'bare'; tag: string } | { kind: 'version'; tag: string; version: Version } | { kind: 'ignored'; tag: string };

/** `latest`, or the variant name when there is one. */
export function bareTag(policy: SemverPolicy): string {
  return policy.variant ? policy.variant : 'latest';
}

export function classifySemverTag(tag: string, policy: SemverPolicy): SemverTag {
  if (tag === bareTag(policy)) return { kind: 'bare', tag };
  const ignored = { kind: 'ignored', tag } as const;

  let versionText = tag;
  if (policy.variant) {
    const suffix = `-${policy.variant}`;
    if (!tag.endsWith(suffix)) return ignored;
    versionText = tag.slice(0, -suffix.length);
  }
  const version = parseVersion(versionText);
  if (version === undefined) return ignored;
  if (policy.constraint !== undefined && !policy.constraint.check(version)) return ignored;
  if (version.prerelease !== '' && !isWantedPrerelease(version.prerelease, policy)) return ignored;
  return { kind: 'version', tag, version };
}

/**
 * Variants and prereleases share the `-suffix` syntax, so only suffixes starting with a known
 * prerelease word count as prereleases; `1.2.3-alpine` is a variant and is skipped. A further
 * `-` (`1.2.3-rc.1-alpine`) means an extra variant, unless custom prefixes were configured: then
 * the user has said what a prerelease looks like and dashes are allowed.
 */
function isWantedPrerelease(prerelease: string, policy: SemverPolicy): boolean {
  if (!policy.preReleases) return false;
  const custom = policy.preReleasePrefixes.filter((prefix) => prefix !== '');
  if (custom.length === 0 && prerelease.includes('-')) return false;
  return [...BUILT_IN_PRERELEASE_PREFIXES, ...custom].some((prefix) => prerelease.startsWith(prefix));
}

/**
 * Tags worth resolving to digests (semver tags passing variant/prerelease/constraint rules, plus
 * the bare `latest`/variant tag), in the order given. The bare tag is left out when a constraint
 * is set, because check never reports it then.
 */
export function semverCandidateTags(tags: readonly string[], policy: SemverPolicy): string[] {
  return tags.filter((tag) => {
    const kind = classifySemverTag(tag, policy).kind;
    return kind === 'version' || (kind === 'bare' && policy.constraint === undefined);
  });
}
