import type { Readable } from 'node:stream';
import type { RepositoryRef } from '../domain/image-reference';

export const RegistryPort = Symbol('RegistryPort');

/** What a manifest reference resolves to, without its body. */
export interface ManifestHead {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
}

/** A manifest with its exact bytes (digests are over these bytes, never a re-serialisation). */
export interface ManifestContent extends ManifestHead {
  readonly bytes: Buffer;
}

export interface BlobRef {
  readonly digest: string;
  /** Expected size when known (from a descriptor); -1 when unknown. */
  readonly size: number;
}

export interface PushBlobOptions {
  /** Opens the content afresh; called again when an upload is retried from the start. */
  readonly open: () => Readable;
  /** Another repository of the same registry that may already hold the blob (cross-repo mount). */
  readonly mountFrom?: string;
}

/**
 * "A place images live", as one OCI Distribution registry (or the in-memory fake) exposes it.
 * One instance serves every repository of every registry a request names; credentials, TLS and
 * retries are the adapter's concern. Missing things are `undefined`/`false`, never exceptions;
 * everything else that fails throws a ResourceError.
 */
export interface RegistryPort {
  /** All tags of a repository, following pagination, in registry order. `undefined` when the repository does not exist. */
  listTags(repo: RepositoryRef): Promise<string[] | undefined>;

  /** Digest and media type of a tag or digest (HEAD, falling back to GET). `undefined` when unknown. */
  headManifest(repo: RepositoryRef, reference: string): Promise<ManifestHead | undefined>;

  /** Manifest bytes for a tag or digest; verified when `reference` is a digest. `undefined` when unknown. */
  getManifest(repo: RepositoryRef, reference: string): Promise<ManifestContent | undefined>;

  /** A stream of the blob that errors with DigestMismatchError if the bytes do not hash to `blob.digest`. */
  getBlob(repo: RepositoryRef, blob: BlobRef): Promise<Readable>;

  /** Whole small blob (image config), verified. */
  getBlobBytes(repo: RepositoryRef, blob: BlobRef): Promise<Buffer>;

  hasBlob(repo: RepositoryRef, digest: string): Promise<boolean>;

  /** Upload a blob unless it is already there (mounting from `mountFrom` when possible). */
  pushBlob(repo: RepositoryRef, blob: BlobRef, options: PushBlobOptions): Promise<void>;

  /** Put a manifest under a tag or its digest; returns the digest the registry stored. */
  putManifest(repo: RepositoryRef, reference: string, mediaType: string, bytes: Buffer): Promise<string>;
}
