import type { PushedImage, SignerPort } from '../../ports/signer-port';

/** The signer when no signing is configured: `out` pushes and is done. */
export class NoopSigner implements SignerPort {
  async sign(_image: PushedImage): Promise<void> {
    // nothing to sign with
  }
}
