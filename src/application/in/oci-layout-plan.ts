import { createHash } from 'node:crypto';
import { InvalidRequestError } from '../../domain/errors';
import { isImageManifestMediaType, isIndexMediaType, MediaType } from '../../domain/media-types';
import { formatRepository, type RepositoryRef } from '../../domain/image-reference';
import type { OciLayoutContent, OpenBlob, OutputBlob } from '../../ports/image-output-port';
import type { ManifestContent, RegistryPort } from '../../ports/registry-port';
import { fetchManifest, parseManifestContent } from '../manifest-content';
import type { WantedPlatform } from '../platform-selection';
import { selectPlatforms } from './platform-list';

/** What goes into the layout, and the digest of `index.json` when `platforms` cut the index down. */
export interface OciLayoutPlan extends OciLayoutContent {
  readonly platformsIndexDigest?: string;
}

/**
 * Everything reachable from the version's manifest. An index is kept whole (every platform),
 * and its exact bytes become `index.json`, so pushing the layout again yields the same digest.
 * A single image is wrapped in a one-entry index, marked by `single-image-digest` as Go does.
 * With `platforms`, the index is cut down to those children (see `keepPlatforms`).
 */
export async function planOciLayout(
  registry: RegistryPort,
  repo: RepositoryRef,
  version: ManifestContent,
  openBlob: OpenBlob,
  platforms?: readonly WantedPlatform[],
): Promise<OciLayoutPlan> {
  const root = platforms ? keepPlatforms(repo, version, platforms) : version;
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
    const content = { indexJson: root.bytes, manifests, blobs: [...blobs.values()], openBlob };
    return platforms ? { ...content, platformsIndexDigest: root.digest } : content;
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

/**
 * A new index holding only the entries for `platforms` (every other field of the original kept,
 * entries byte-for-byte as the registry listed them). Its digest is not the version's: the
 * version stays the original index, and the new digest is reported beside it.
 */
export function keepPlatforms(
  repo: RepositoryRef,
  version: ManifestContent,
  platforms: readonly WantedPlatform[],
): ManifestContent {
  const parsed = parseManifestContent(repo, version);
  if (parsed.kind !== 'index') {
    throw new InvalidRequestError(
      `params.platforms needs an image index, but ${formatRepository(repo)}@${version.digest} is a single image`,
    );
  }
  const manifests = Array.isArray(parsed.index.manifests) ? parsed.index.manifests : [];
  const kept = selectPlatforms(repo, version.digest, { ...parsed.index, manifests }, platforms);
  const bytes = Buffer.from(JSON.stringify({ ...parsed.index, manifests: kept }));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return { digest, mediaType: version.mediaType, size: bytes.length, bytes };
}
