import { formatRepository, type RepositoryRef } from '../../domain/image-reference';
import type { ImageConfig, ImageManifest } from '../../domain/manifest';
import type { ManifestContent, RegistryPort } from '../../ports/registry-port';
import { imageForPlatform } from '../platform-image';
import type { WantedPlatform } from '../platform-selection';
import { RegistryError } from '../../ports/registry-errors';

/** One platform image of a version, with its manifest bytes and (when asked for) its config. */
export interface ResolvedImage {
  readonly content: ManifestContent;
  readonly manifest: ImageManifest;
  readonly configBytes?: Buffer;
  readonly config?: ImageConfig;
}

/**
 * The image a digest names for the wanted platform: the digest itself when it is an image
 * manifest, the matching entry (through nested indexes) when it is an index. `undefined` when
 * the registry does not know the digest at all (so a mirror can fall back to the origin).
 */
export async function resolveImage(
  registry: RegistryPort,
  repo: RepositoryRef,
  root: ManifestContent | undefined,
  platform: WantedPlatform,
  withConfig: boolean,
): Promise<ResolvedImage | undefined> {
  if (!root) return undefined;
  const { content, manifest } = await imageForPlatform(registry, repo, root, platform);
  if (!withConfig) return { content, manifest };
  const configBytes = await registry.getBlobBytes(repo, { digest: manifest.config.digest, size: manifest.config.size });
  let config: ImageConfig;
  try {
    config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
  } catch (error) {
    throw new RegistryError(
      `image config ${manifest.config.digest} of ${formatRepository(repo)} is not valid JSON: ${(error as Error).message}`,
    );
  }
  return { content, manifest, configBytes, config };
}
