import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { TufKey } from './tuf-metadata';

/** TUF key ID: sha256 of the canonical key with its private part null. */
export function tufKeyId(key: TufKey): string {
  return createHash('sha256')
    .update(canonicalJson({ keytype: key.keytype, keyval: { private: null, public: key.keyval.public } }))
    .digest('hex');
}

/** The TUF form of an ECDSA public key, as notary writes it (`ecdsa`, base64 SPKI DER). */
export function ecdsaTufKey(publicKey: KeyObject): TufKey {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return { keytype: 'ecdsa', keyval: { public: spki.toString('base64'), private: null } };
}

/**
 * The public key a TUF key entry holds: `ecdsa`/`rsa` as SPKI DER, `*-x509` as a PEM certificate
 * (root keys and `docker trust signer` keys), `ed25519` as the raw 32 bytes (server-held keys).
 */
export function publicKeyOf(key: TufKey): KeyObject {
  const bytes = Buffer.from(key.keyval.public, 'base64');
  switch (key.keytype) {
    case 'ecdsa':
    case 'rsa':
      return createPublicKey({ key: bytes, format: 'der', type: 'spki' });
    case 'ecdsa-x509':
    case 'rsa-x509':
      return new X509Certificate(bytes).publicKey;
    case 'ed25519':
      return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') }, format: 'jwk' });
    default:
      throw new Error(`unsupported key type ${key.keytype}`);
  }
}

/** Whether two public keys are the same key (an `ecdsa` entry and an `ecdsa-x509` one may be). */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({ type: 'spki', format: 'der' }).equals(b.export({ type: 'spki', format: 'der' }));
}
