import type { RepositoryRef } from '../../src/domain/image-reference';
import type { SignatureVerdict, SignatureVerifierPort } from '../../src/ports/signature-verifier-port';

/** A verifier that trusts exactly the digests it is given, and records what it was asked. */
export class FakeSignatureVerifier implements SignatureVerifierPort {
  readonly enabled = true;
  readonly asked: string[] = [];
  constructor(private readonly signed: ReadonlySet<string>) {}

  async verify(_repo: RepositoryRef, digest: string): Promise<SignatureVerdict> {
    this.asked.push(digest);
    return this.signed.has(digest)
      ? { signed: true, by: 'key fake' }
      : { signed: false, reason: 'no cosign signature' };
  }
}
