import type { RepositoryRef } from '../../domain/image-reference';
import { parseConstraint } from '../../domain/semver/constraint';
import { semverCandidateTags, type SemverPolicy } from '../../domain/semver/semver-tag-policy';
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

/**
 * Semver mode: list tags, keep the ones the policy accepts, resolve them to digests
 * concurrently (bounded), and let the domain pick one version per digest.
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
  const candidates = semverCandidateTags(tags, policy);
  const resolved = await mapLimit(candidates, concurrency, async (tag) => {
    const head = await registry.headManifest(repo, tag);
    return head && { tag, digest: head.digest };
  });
  const found = resolved.filter((r): r is { tag: string; digest: string } => r !== undefined);
  return selectSemverVersions(found, policy, cursor);
}
