import type { PushedImage } from '../../src/ports/signer-port';

/** A pushed image for error and signer tests: registry.test/team/app:v1. */
export const PUSHED_IMAGE: PushedImage = {
  repository: { registry: 'registry.test', path: 'team/app' },
  repositoryName: 'registry.test/team/app',
  tags: ['v1'],
  digest: 'sha256:abc',
  size: 10,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
};
