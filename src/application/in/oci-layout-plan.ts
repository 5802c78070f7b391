import { isImageManifestMediaType, isIndexMediaType, MediaType } from '../../domain/media-types';
import type { RepositoryRef } from '../../domain/image-reference';
import type { OciLayoutContent, OpenBlob, OutputBlob } from '../../ports/image-output-port';
import type { ManifestContent, RegistryPort } from '../../ports/registry-port';
import { fetchManifest, parseManifestContent } from '../manifest-content';

/**
 * Everything reachable from the version's manifest. An index is kept whole (every platform),
 * and its exact bytes become `index.json`, so pushing the layout again yields the same digest.
 * A single image is wrapped in a one-entry index, marked by `single-image-digest` as Go does.
 */
export async function planOciLayout(
  registry: RegistryPort,
  repo: RepositoryRef,
  root: ManifestContent,
  openBlob: OpenBlob,
): Promise<OciLayoutContent> {
  const manifests: ManifestContent[] = [];
  const blobs = new Map<string, OutputBlob>();
  const seen = new Set<string>();

  const visit = async (content: ManifestContent): Promise<void> => {
    if (seen.has(content.digest)) return;
    seen.add(content.digest);
    manifests.push(content);
    const parsed = parseManifestContent(repo, content);
    if (parsed.kind === 'image') {
      const { config, layers } = parsed.manifest;
      blobs.set(config.digest, { digest: config.digest, size: config.size, mediaType: config.mediaType });
      for (const layer of layers) {
        blobs.set(layer.digest, { digest: layer.digest, size: layer.size, mediaType: layer.mediaType });
      }
      return;
    }
    for (const entry of parsed.index.manifests) {
      if (isIndexMediaType(entry.mediaType) || isImageManifestMediaType(entry.mediaType)) {
        await visit(await fetchManifest(registry, repo, entry.digest, 'manifest'));
      } else {
        blobs.set(entry.digest, { digest: entry.digest, size: entry.size, mediaType: entry.mediaType });
      }
    }
  };
  await visit(root);

  const rootIsIndex = parseManifestContent(repo, root).kind === 'index';
  if (rootIsIndex) {
    return { indexJson: root.bytes, manifests, blobs: [...blobs.values()], openBlob };
  }
  const wrapper = {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: [{ mediaType: root.mediaType, size: root.size, digest: root.digest }],
  };
  return {
    indexJson: Buffer.from(JSON.stringify(wrapper)),
    manifests,
    blobs: [...blobs.values()],
    singleImageDigest: root.digest,
    openBlob,
  };
}
