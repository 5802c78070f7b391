import { formatRepository, type RepositoryRef } from '../domain/image-reference';
import type { ImageManifest } from '../domain/manifest';
import type { ManifestContent, RegistryPort } from '../ports/registry-port';
import { fetchManifest, parseManifestContent } from './manifest-content';
import { describePlatforms, formatPlatform, selectPlatform, type WantedPlatform } from './platform-selection';
import { RegistryError, NotFoundError } from '../ports/registry-errors';

/** One image manifest of a version, with its exact bytes. */
export interface PlatformImage {
  readonly content: ManifestContent;
  readonly manifest: ImageManifest;
}

/** Deeper than any real image; stops a registry that serves an index naming itself. */
const MAX_INDEX_DEPTH = 8;

/**
 * The image `root` stands for on the wanted platform, as go-containerregistry's `childByPlatform`:
 * an image manifest is itself; in an index the first matching entry is taken, and when that entry
 * is an index the search goes on inside it (no backtracking to later entries, as in Go).
 */
export async function imageForPlatform(
  registry: RegistryPort,
  repo: RepositoryRef,
  root: ManifestContent,
  wanted: WantedPlatform,
): Promise<PlatformImage> {
  let content = root;
  for (let depth = 0; ; depth++) {
    const parsed = parseManifestContent(repo, content);
    if (parsed.kind === 'image') return { content, manifest: parsed.manifest };
    if (depth === MAX_INDEX_DEPTH) {
      throw new RegistryError(
        `${formatRepository(repo)}@${root.digest}: image indexes nest deeper than ${MAX_INDEX_DEPTH} levels`,
      );
    }
    const index = { ...parsed.index, manifests: Array.isArray(parsed.index.manifests) ? parsed.index.manifests : [] };
    const entry = selectPlatform(index, wanted);
    if (!entry) {
      throw new NotFoundError(
        `${formatRepository(repo)}@${content.digest} has no image for platform ${formatPlatform(wanted)} (it has: ${describePlatforms(index)})`,
      );
    }
    content = await fetchManifest(registry, repo, entry.digest, `manifest for ${formatPlatform(wanted)}`);
  }
}
