import type { RepositoryRef } from '../../domain/image-reference';
import type { RegistryPort } from '../../ports/registry-port';
import type { Version } from '../request-types';

/**
 * `tag` mode: the digest the tag points to now; the cursor first when its digest differs and
 * still exists (so Concourse keeps it), nothing when the tag is gone.
 */
export async function checkTag(
  registry: RegistryPort,
  repo: RepositoryRef,
  tag: string,
  cursor?: Version,
): Promise<Version[]> {
  const current = await registry.headManifest(repo, tag);
  if (!current) return [];
  const versions: Version[] = [];
  if (cursor && cursor.digest !== current.digest) {
    const previous = await registry.headManifest(repo, cursor.digest);
    if (previous) versions.push({ tag, digest: cursor.digest });
  }
  versions.push({ tag, digest: current.digest });
  return versions;
}
