import type { RepositoryRef } from '../../domain/image-reference';
import { parseConstraint } from '../../domain/semver/constraint';
import { classifySemverTag, semverCandidateTags, type SemverPolicy } from '../../domain/semver/semver-tag-policy';
import { selectSemverVersions } from '../../domain/semver/version-selection';
import type { RegistryPort } from '../../ports/registry-port';
import { mapLimit } from '../concurrency';
import type { Source, Version } from '../request-types';

export function semverPolicyOf(source: Source): SemverPolicy {
  return {
    ...(source.variant ? { variant: source.variant } : {}),
    preReleases: source.pre_releases === true,
    preReleasePrefixes: source.pre_release_prefixes ?? [],
    ...(source.semver_constraint ? { constraint: parseConstraint(source.semver_constraint) } : {}),
  };
}

type Resolved = { tag: string; digest: string } | undefined;

/**
 * Semver mode: list tags, keep the ones the policy accepts, resolve them to digests
 * concurrently (bounded), and let the domain pick one version per digest. When the cursor's
 * tag still points at its digest, tags not newer than it are not even looked up (the domain
 * would drop them anyway): a check that runs every minute costs a few requests, not one per tag.
 */
export async function checkSemver(
  registry: RegistryPort,
  repo: RepositoryRef,
  policy: SemverPolicy,
  concurrency: number,
  cursor?: Version,
): Promise<Version[]> {
  const tags = await registry.listTags(repo);
  if (!tags) return [];
  let candidates = semverCandidateTags(tags, policy);
  const resolved: Resolved[] = [];
  const cursorTag = cursor?.tag;
  if (cursor && cursorTag !== undefined && candidates.includes(cursorTag)) {
    const head = await registry.headManifest(repo, cursorTag);
    resolved.push(head && { tag: cursorTag, digest: head.digest });
    candidates = candidates.filter((tag) => tag !== cursorTag);
    const cursorRead = classifySemverTag(cursorTag, policy);
    if (head?.digest === cursor.digest && cursorRead.kind === 'version') {
      candidates = candidates.filter((tag) => {
        const read = classifySemverTag(tag, policy);
        return read.kind !== 'version' || cursorRead.version.lessThan(read.version);
      });
    }
  }
  resolved.push(
    ...(await mapLimit(candidates, concurrency, async (tag) => {
      const head = await registry.headManifest(repo, tag);
      return head && { tag, digest: head.digest };
    })),
  );
  const found = resolved.filter((r): r is { tag: string; digest: string } => r !== undefined);
  return selectSemverVersions(found, policy, cursor);
}
