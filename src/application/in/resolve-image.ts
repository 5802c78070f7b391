import { NotFoundError, ResourceError } from '../../domain/errors';
import { formatRepository, type RepositoryRef } from '../../domain/image-reference';
import {
  parseManifest,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type Manifest,
} from '../../domain/manifest';
import type { ManifestContent, RegistryPort } from '../../ports/registry-port';
import { formatPlatform, selectPlatform, type WantedPlatform } from '../platform-selection';

/** One platform image of a version, with its manifest bytes and (when asked for) its config. */
export interface ResolvedImage {
  readonly content: ManifestContent;
  readonly manifest: ImageManifest;
  readonly configBytes?: Buffer;
  readonly config?: ImageConfig;
}

export function parseManifestContent(repo: RepositoryRef, content: ManifestContent): Manifest {
  try {
    return parseManifest(content.bytes, content.mediaType);
  } catch (error) {
    throw new ResourceError(
      'REGISTRY',
      `manifest ${content.digest} of ${formatRepository(repo)} cannot be used: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

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

function describePlatforms(index: ImageIndex): string {
  const names = index.manifests.filter((d) => d.platform).map((d) => formatPlatform(d.platform ?? {}));
  return names.length > 0 ? names.join(', ') : 'none';
}

/**
 * The image a digest names for the wanted platform: the digest itself when it is an image
 * manifest, the matching entry when it is an index. `undefined` when the registry does not
 * know the digest at all (so a mirror can fall back to the origin).
 */
export async function resolveImage(
  registry: RegistryPort,
  repo: RepositoryRef,
  root: ManifestContent | undefined,
  platform: WantedPlatform,
  withConfig: boolean,
): Promise<ResolvedImage | undefined> {
  if (!root) return undefined;
  let content = root;
  let parsed = parseManifestContent(repo, root);
  if (parsed.kind === 'index') {
    const entry = selectPlatform(parsed.index, platform);
    if (!entry) {
      throw new NotFoundError(
        `${formatRepository(repo)}@${root.digest} has no image for platform ${formatPlatform(platform)} (it has: ${describePlatforms(parsed.index)})`,
      );
    }
    content = await fetchManifest(registry, repo, entry.digest, `image manifest for ${formatPlatform(platform)}`);
    parsed = parseManifestContent(repo, content);
    if (parsed.kind !== 'image') {
      throw new ResourceError(
        'REGISTRY',
        `${formatRepository(repo)}@${entry.digest}: nested image indexes are not supported`,
      );
    }
  }
  const manifest = parsed.manifest;
  if (!withConfig) return { content, manifest };
  const configBytes = await registry.getBlobBytes(repo, { digest: manifest.config.digest, size: manifest.config.size });
  let config: ImageConfig;
  try {
    config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
  } catch (error) {
    throw new ResourceError(
      'REGISTRY',
      `image config ${manifest.config.digest} of ${formatRepository(repo)} is not valid JSON: ${(error as Error).message}`,
    );
  }
  return { content, manifest, configBytes, config };
}
