import { sign, verify, type KeyObject } from 'node:crypto';

/** Ed25519 signs the message itself; ECDSA and RSA sign its SHA-256 (cosign's default hash). */
function hashFor(key: KeyObject): string | null {
  return key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
}

/** cosign's signature encoding: base64 of the DER (ASN.1) signature. */
export function signPayload(privateKey: KeyObject, payload: Buffer): string {
  return sign(hashFor(privateKey), payload, privateKey).toString('base64');
}

export function verifyPayload(publicKey: KeyObject, payload: Buffer, signatureBase64: string): boolean {
  const signature = Buffer.from(signatureBase64, 'base64');
  if (signature.length === 0) return false;
  try {
    return verify(hashFor(publicKey), payload, publicKey, signature);
  } catch {
    // A malformed DER signature is just not a valid one.
    return false;
  }
}
