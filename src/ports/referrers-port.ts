import type { RepositoryRef } from '../domain/image-reference';

export const ReferrersPort = Symbol('ReferrersPort');

/**
 * The optional OCI 1.1 ability to list the artifacts that refer to a manifest (`subject`). Kept
 * apart from RegistryPort: only signers attaching artifacts need it, and older registries
 * (docker-registry 2.8) lack it.
 */
export interface ReferrersPort {
  /** True when the registry answers the referrers API for this repository (`GET /v2/<name>/referrers/<digest>`). */
  supportsReferrers(repo: RepositoryRef, digest: string): Promise<boolean>;
}
