import { formatRepository, type RepositoryRef } from '../domain/image-reference';
import { parseManifest, type Manifest } from '../domain/manifest';
import type { ManifestContent, RegistryPort } from '../ports/registry-port';
import { RegistryError, NotFoundError } from '../ports/registry-errors';

/** A registry manifest classified as image or index; unusable bytes fail naming the digest. */
export function parseManifestContent(repo: RepositoryRef, content: ManifestContent): Manifest {
  try {
    return parseManifest(content.bytes, content.mediaType);
  } catch (error) {
    throw new RegistryError(
      `manifest ${content.digest} of ${formatRepository(repo)} cannot be used: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** A manifest an index refers to: its absence is an error, not a fallback. */
export async function fetchManifest(
  registry: RegistryPort,
  repo: RepositoryRef,
  digest: string,
  what: string,
): Promise<ManifestContent> {
  const content = await registry.getManifest(repo, digest);
  if (!content) throw new NotFoundError(`${what} ${digest} not found in ${formatRepository(repo)}`);
  return content;
}
