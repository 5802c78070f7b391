import { ConfigurationError } from '../domain/errors';
import type { RepositoryRef } from '../domain/image-reference';

export const SignatureVerifierPort = Symbol('SignatureVerifierPort');

/** Whether a digest carries a signature `source.verify` trusts, and if not, what was found instead. */
export type SignatureVerdict =
  { readonly signed: true; readonly by: string } | { readonly signed: false; readonly reason: string };

/**
 * Decides whether `check` may report, and `get` may fetch, a digest. Bound to a cosign verifier
 * when `source.verify` is set, otherwise to one that accepts everything.
 */
export interface SignatureVerifierPort {
  /** True when verification is configured (callers log and filter only then). */
  readonly enabled: boolean;
  verify(repo: RepositoryRef, digest: string): Promise<SignatureVerdict>;
}

/** `get` of a digest that no trusted key signed. */
export class UnsignedImageError extends ConfigurationError {
  override readonly name = 'UnsignedImageError';
  constructor(repositoryName: string, digest: string, reason: string) {
    super(`refusing ${repositoryName}@${digest}: no valid signature by a key in source.verify (${reason})`);
  }
}
