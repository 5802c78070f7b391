import { ResourceError } from '../domain/errors';
import type { RepositoryRef } from '../domain/image-reference';

export const SignerPort = Symbol('SignerPort');
/**
 * Each configured signer (Notary, later cosign) is multi-bound under this token; `SignerPort`
 * is bound to their composition, or to a no-op signer when there are none.
 */
export const ConfiguredSigner = Symbol('ConfiguredSigner');

/** What `out` pushed, once every tag is in the registry: all a signer needs. */
export interface PushedImage {
  readonly repository: RepositoryRef;
  /** `registry/path`, for messages. */
  readonly repositoryName: string;
  /** Every tag the push wrote, all pointing at `digest`. */
  readonly tags: readonly string[];
  /** Digest of the root manifest or index (`sha256:…`). */
  readonly digest: string;
  /** Byte length of the root manifest or index. */
  readonly size: number;
  readonly mediaType: string;
}

/**
 * Signs a pushed image. Called after the push, so a failure must say that the image is in the
 * registry but unsigned: signers throw a SigningError (or, when configured best-effort, warn and
 * return).
 */
export interface SignerPort {
  sign(image: PushedImage): Promise<void>;
}

/**
 * A signature that could not be made for tags that were pushed. What went wrong is its `cause`,
 * an error of its own class (AuthenticationError, NetworkError, ConfigurationError…), so callers
 * tell failures apart by `cause instanceof`, never by a code copied over.
 */
export class SigningError extends ResourceError {
  override readonly name = 'SigningError';
  constructor(
    readonly signer: string,
    readonly image: PushedImage,
    readonly unsignedTags: readonly string[],
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${image.repositoryName}@${image.digest} was pushed, but ${signer} signing failed, so tag(s) ${unsignedTags.join(', ')} are unsigned: ${reason}`,
      { cause: options?.cause },
    );
  }
}
