import { classifySemverTag, type SemverPolicy } from './semver-tag-policy';
import { type Version } from './version';

export interface TagDigest {
  tag: string;
  digest: string;
}

export interface SemverCursor {
  tag?: string;
  digest: string;
}

interface Chosen {
  tag: string;
  version: Version;
  /** Position in the walk, to keep the sort stable for equal versions. */
  seen: number;
}

/**
 * Given the candidates resolved to digests (tags that do not exist left out), the versions
 * `check` reports, ascending, with the Go resource's rules:
 * - one version per digest: a final release beats a prerelease, then the tag with more dots
 *   (`3.2.1` over `3.2` over `3`, `1.0.0-rc.1` over `1.0.0-rc1`), then the tag met first;
 * - the cursor: when its tag still points at its digest, it is reported again and every version
 *   not newer than it is dropped (so is a less specific alias of it, `6.3` for `6.3.0`); when its
 *   tag is gone or moved, nothing is dropped;
 * - the bare tag (`latest` or the variant) comes last, only when no constraint is set and its
 *   digest is not already reported under a version tag.
 */
export function selectSemverVersions(
  resolved: readonly TagDigest[],
  policy: SemverPolicy,
  cursor?: SemverCursor,
): TagDigest[] {
  // The Go resource looks at the cursor's tag first so that it can skip older tags after it.
  const ordered = [...resolved];
  const cursorIndex = cursor?.tag === undefined ? -1 : ordered.findIndex((entry) => entry.tag === cursor.tag);
  if (cursorIndex > 0) ordered.unshift(...ordered.splice(cursorIndex, 1));

  const byDigest = new Map<string, Chosen>();
  let cursorVersion: Version | undefined;
  let bare: TagDigest | undefined;

  ordered.forEach((entry, seen) => {
    const read = classifySemverTag(entry.tag, policy);
    if (read.kind === 'ignored') return;
    if (read.kind === 'bare') {
      bare = entry;
      return;
    }
    const version = read.version;
    if (cursorVersion !== undefined && !cursorVersion.lessThan(version)) return;

    const existing = byDigest.get(entry.digest);
    if (existing === undefined || prefer(version, existing.version)) {
      byDigest.set(entry.digest, { tag: entry.tag, version, seen });
    }
    if (cursor !== undefined && entry.tag === cursor.tag && entry.digest === cursor.digest) cursorVersion = version;
  });

  const versions = [...byDigest.entries()]
    .sort(([, a], [, b]) => a.version.compare(b.version) || a.seen - b.seen)
    .map(([digest, chosen]) => ({ tag: chosen.tag, digest }));

  const bareEntry: TagDigest | undefined = bare;
  if (bareEntry !== undefined && policy.constraint === undefined && !byDigest.has(bareEntry.digest)) {
    versions.push({ tag: bareEntry.tag, digest: bareEntry.digest });
  }
  return versions;
}

function prefer(candidate: Version, current: Version): boolean {
  const candidateFinal = candidate.prerelease === '';
  const currentFinal = current.prerelease === '';
  if (candidateFinal !== currentFinal) return candidateFinal;
  return dots(candidate.original) > dots(current.original);
}

function dots(text: string): number {
  return text.split('.').length - 1;
}
