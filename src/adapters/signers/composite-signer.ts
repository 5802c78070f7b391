import { SigningError, type PushedImage, type SignerPort } from '../../ports/signer-port';
import { NoopSigner } from './noop-signer';

/**
 * Runs every configured signer, one after the other, even when an earlier one fails: each
 * signature that can be made is made. Several failures become one error naming them all.
 */
export class CompositeSigner implements SignerPort {
  constructor(private readonly signers: readonly SignerPort[]) {}

  async sign(image: PushedImage): Promise<void> {
    const failures: unknown[] = [];
    for (const signer of this.signers) {
      try {
        await signer.sign(image);
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) {
      const reasons = failures.map((f) => (f instanceof SigningError ? `${f.signer}: ${f.reason}` : String(f)));
      const unsigned = [...new Set(failures.flatMap((f) => (f instanceof SigningError ? f.unsignedTags : image.tags)))];
      throw new SigningError('image', image, unsigned, reasons.join('; '), { cause: failures[0] });
    }
  }
}

/** The port for a list of signers: nothing, the one signer itself, or all of them in turn. */
export function composeSigners(signers: readonly SignerPort[]): SignerPort {
  if (signers.length === 0) return new NoopSigner();
  if (signers.length === 1) return signers[0] as SignerPort;
  return new CompositeSigner(signers);
}
