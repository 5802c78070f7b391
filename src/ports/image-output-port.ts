import type { Readable } from 'node:stream';
import type { BlobRef, ManifestContent } from './registry-port';

export const ImageOutputPort = Symbol('ImageOutputPort');

/** A blob the output needs, as its descriptor names it. */
export interface OutputBlob extends BlobRef {
  readonly mediaType: string;
}

/** Opens a verified stream of one blob (errors with DigestMismatchError at its end if the bytes are wrong). */
export type OpenBlob = (blob: OutputBlob) => Promise<Readable>;

/** One platform image, resolved and with its config already fetched. */
export interface ImageToWrite {
  readonly manifest: ManifestContent;
  readonly configDigest: string;
  readonly config: Buffer;
  readonly layers: readonly OutputBlob[];
  readonly openBlob: OpenBlob;
  /** `params.max_expansion_ratio`: tar bytes a layer may expand to per compressed byte (0: no limit). */
  readonly maxExpansionRatio?: number;
}

/** Everything an OCI image layout holds: the bytes of `index.json`, every manifest and every other blob. */
export interface OciLayoutContent {
  readonly indexJson: Buffer;
  readonly manifests: readonly ManifestContent[];
  readonly blobs: readonly OutputBlob[];
  /** Set when the version is a single image wrapped in a one-entry index (Go's `single-image-digest`). */
  readonly singleImageDigest?: string;
  readonly openBlob: OpenBlob;
}

/**
 * Where `in` writes an image, in one of the Go resource's three formats. Each write replaces what
 * a failed earlier attempt left. The small files beside it (version files, `metadata.json`,
 * `labels.json`) are file work, done through FilesystemPort.
 */
export interface ImageOutputPort {
  /** `dest/rootfs/`: every layer applied in order. */
  writeRootfs(dest: string, image: ImageToWrite): Promise<void>;
  /** `dest/image.tar`: a `docker load`-able archive naming the image `repoTag` (untagged when empty). */
  writeOciTarball(dest: string, image: ImageToWrite, repoTag: string): Promise<void>;
  /** `dest/oci/`: an OCI image layout. */
  writeOciLayout(dest: string, content: OciLayoutContent): Promise<void>;
}
