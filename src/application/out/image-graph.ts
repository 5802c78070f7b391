import { type Descriptor, parseManifest } from '../../domain/manifest';
import { isImageManifestMediaType, isIndexMediaType } from '../../domain/media-types';
import type { ImageInput, ManifestBlob } from '../../ports/image-input-port';
import { FilesystemError } from '../../ports/filesystem-port';

export interface BlobToPush {
  readonly digest: string;
  readonly size: number;
}

/**
 * Everything an input's root refers to: blobs (deduplicated) and child manifests in levels. A
 * registry accepts an index only once the manifests it lists exist, so level 0 holds images (and
 * other leaves), level n the indexes whose children all sit in lower levels; each level can be
 * pushed concurrently once the previous one is in.
 */
export interface ImageGraph {
  readonly blobs: BlobToPush[];
  readonly childLevels: ManifestBlob[][];
}

function parse(manifest: ManifestBlob, where: string): ReturnType<typeof parseManifest> {
  try {
    return parseManifest(manifest.bytes, manifest.mediaType);
  } catch (error) {
    throw new FilesystemError(`${where}: manifest ${manifest.digest} is not usable: ${(error as Error).message}`);
  }
}

/**
 * Walk the root manifest or index of an input. A layer that carries `urls` and is absent from the
 * input is a foreign (non-distributable) layer: registries fetch those elsewhere, so it is skipped.
 */
export async function collectImageGraph(input: ImageInput): Promise<ImageGraph> {
  const blobs = new Map<string, BlobToPush>();
  const levels: ManifestBlob[][] = [];
  const levelOf = new Map<string, number>();

  const addBlob = async (d: Descriptor, what: string): Promise<void> => {
    if (blobs.has(d.digest)) return;
    if (!(await input.hasBlob(d.digest))) {
      if (d.urls && d.urls.length > 0) return;
      throw new FilesystemError(`${input.path}: ${what} ${d.digest} is missing from the image input`);
    }
    blobs.set(d.digest, { digest: d.digest, size: d.size });
  };

  /** The level a manifest's children end at: -1 for an image, else the highest child level. */
  const visit = async (manifest: ManifestBlob): Promise<number> => {
    const parsed = parse(manifest, input.path);
    if (parsed.kind === 'image') {
      await addBlob(parsed.manifest.config, 'config');
      for (const layer of parsed.manifest.layers) await addBlob(layer, 'layer');
      return -1;
    }
    let highest = -1;
    for (const child of parsed.index.manifests) {
      const known = levelOf.get(child.digest);
      if (known !== undefined) {
        highest = Math.max(highest, known);
        continue;
      }
      const bytes = await input.manifest(child.digest);
      if (!bytes) {
        // Artifacts (signatures, attestations) in an index are still manifests: push their bytes if present.
        if (!isIndexMediaType(child.mediaType) && !isImageManifestMediaType(child.mediaType)) continue;
        throw new FilesystemError(`${input.path}: manifest ${child.digest} listed in the index is missing`);
      }
      const blob = { digest: child.digest, mediaType: child.mediaType, bytes };
      const level = (await visit(blob)) + 1;
      levelOf.set(child.digest, level);
      (levels[level] ??= []).push(blob);
      highest = Math.max(highest, level);
    }
    return highest;
  };

  await visit(input.root);
  return { blobs: [...blobs.values()], childLevels: levels.filter((l) => l !== undefined) };
}
