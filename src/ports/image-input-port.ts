import type { Readable } from 'node:stream';

export const ImageInputPort = Symbol('ImageInputPort');

export type ImageInputKind = 'docker-archive' | 'oci-archive' | 'oci-layout';

/** A manifest or index with its exact bytes: its digest is over these bytes. */
export interface ManifestBlob {
  readonly digest: string;
  readonly mediaType: string;
  readonly bytes: Buffer;
}

/**
 * An image (or multi-arch index) read from local files, presented as content-addressed storage:
 * the root manifest to tag, child manifests by digest, and blobs opened as fresh streams so a
 * layer is never held in memory.
 */
export interface ImageInput {
  readonly kind: ImageInputKind;
  readonly path: string;
  readonly root: ManifestBlob;
  /**
   * The repository the input names as its origin (`host[:port]/path`, from a `docker save`
   * tarball's RepoTags), so a push to the same registry can mount blobs instead of uploading them.
   */
  readonly origin?: string;
  /** Exact bytes of a manifest the root (or a nested index) refers to; undefined when absent. */
  manifest(digest: string): Promise<Buffer | undefined>;
  /** Whether the input holds the blob (foreign layers may be absent). */
  hasBlob(digest: string): Promise<boolean>;
  /** A fresh stream of a blob's bytes (callable again for a retried upload). */
  openBlob(digest: string): Readable;
  /** Release temporary files. */
  close(): Promise<void>;
}

/**
 * Where `out` reads an image from: one store, several formats (docker save, OCI archive, OCI
 * layout). Finding the path (the `image` glob) is file work, done through FilesystemPort.
 */
export interface ImageInputPort {
  /** Detect the kind from the content and open it. */
  open(path: string): Promise<ImageInput>;
}
