import { type Descriptor, type ImageIndex, manifestMediaType } from '../../domain/manifest';
import { isImageManifestMediaType, isIndexMediaType, MediaType } from '../../domain/media-types';
import type { ImageInputKind, ManifestBlob } from '../../ports/image-input-port';
import { digestOf } from './blob-path';
import { FilesystemError } from '../../ports/filesystem-port';

/** Go's marker for a single image wrapped in an otherwise empty index (written by `get`). */
export const SINGLE_IMAGE_DIGEST_FILE = 'single-image-digest';

/** Deeper than any real layout; stops an index that names itself. */
const MAX_UNWRAP = 8;

/** What the root choice needs of a layout: its manifests by digest and the marker file. */
export interface LayoutFiles {
  readonly path: string;
  /** Verified manifest bytes; undefined when the blob is absent. */
  manifest(digest: string): Promise<Buffer | undefined>;
  /** The marker's content; undefined when there is none. */
  marker(): Promise<string | undefined>;
}

function parseIndex(bytes: Buffer, what: string): ImageIndex {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new FilesystemError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
  const index = json as ImageIndex;
  if (typeof json !== 'object' || json === null || !Array.isArray(index.manifests)) {
    throw new FilesystemError(`${what} is not an image index (no "manifests" list)`);
  }
  return index;
}

async function entryBlob(files: LayoutFiles, entry: Descriptor, why: string): Promise<ManifestBlob> {
  const bytes = await files.manifest(entry.digest);
  if (!bytes) throw new FilesystemError(`OCI layout ${files.path}: ${why} ${entry.digest} is missing`);
  return { digest: entry.digest, mediaType: entry.mediaType || manifestMediaType(bytes), bytes };
}

/**
 * The manifest `out` pushes for an OCI layout, as the Go resource reads one
 * (go-containerregistry `layout.ImageIndexFromPath`, then its `unwrapNestedIndex` and
 * `checkIfSingleImageDigest`):
 *
 * - `index.json` itself is an OCI index, pushed byte for byte (digest = sha256 of the file);
 * - while it lists exactly one entry and that entry is an index, that index replaces it;
 * - with a `single-image-digest` marker, the image it names (an entry of that index) is pushed;
 * - otherwise the index is pushed, even when it lists a single image.
 *
 * Deliberate differences: `index.json` is announced with its own `mediaType` when it declares a
 * Docker manifest list (Go always says OCI index, which docker-registry 2.8 refuses for that body);
 * an OCI archive (a tar, which Go does not read as a layout) holding one image and no marker pushes
 * that image, as `docker save` and buildkit archives expect; an `index.json` listing nothing is
 * refused rather than pushed as an empty index.
 */
export async function layoutRoot(files: LayoutFiles, indexJson: Buffer, kind: ImageInputKind): Promise<ManifestBlob> {
  const top = parseIndex(indexJson, `${files.path}: index.json`);
  if (top.manifests.length === 0) {
    throw new FilesystemError(`OCI layout ${files.path}: index.json lists no image or index`);
  }
  let root: ManifestBlob = {
    digest: digestOf(indexJson),
    mediaType: top.mediaType && isIndexMediaType(top.mediaType) ? top.mediaType : MediaType.OciIndex,
    bytes: indexJson,
  };
  let index = top;
  for (let depth = 0; index.manifests.length === 1; depth++) {
    const only = index.manifests[0] as Descriptor;
    if (!isIndexMediaType(only.mediaType)) break;
    if (depth === MAX_UNWRAP) {
      throw new FilesystemError(`OCI layout ${files.path}: indexes nest deeper than ${MAX_UNWRAP} levels`);
    }
    root = await entryBlob(files, only, 'index');
    index = parseIndex(root.bytes, `${files.path}: index ${only.digest}`);
  }

  const marker = (await files.marker())?.trim();
  if (marker !== undefined) {
    const entry = index.manifests.find((d) => d.digest === marker);
    if (!entry) {
      throw new FilesystemError(
        `OCI layout ${files.path}: ${SINGLE_IMAGE_DIGEST_FILE} names ${marker}, which its index does not list`,
      );
    }
    const image = await entryBlob(files, entry, 'image manifest');
    if (!isImageManifestMediaType(image.mediaType)) {
      throw new FilesystemError(
        `OCI layout ${files.path}: ${SINGLE_IMAGE_DIGEST_FILE} names ${marker}, which is a ${image.mediaType}, not an image`,
      );
    }
    return image;
  }

  if (kind === 'oci-archive' && index === top && top.manifests.length === 1) {
    return entryBlob(files, top.manifests[0] as Descriptor, 'manifest');
  }
  return root;
}
