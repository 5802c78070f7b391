import { constants, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { publicKeyOf } from './tuf-keys';
import { MetadataError, type SignedDocument, type TufKey, type TufRole, type TufSignature } from './tuf-metadata';

function verifyOne(method: string, key: KeyObject, message: Buffer, signature: Buffer): boolean {
  switch (method) {
    case 'ecdsa':
      // notary signs ECDSA as raw r||s, not DER.
      return verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
    case 'eddsa':
      return verify(null, message, key, signature);
    case 'rsapss':
      return verify(
        'sha256',
        message,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
        signature,
      );
    case 'rsapkcs1v15':
      return verify('sha256', message, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    default:
      return false;
  }
}

/**
 * Checks a document the way notary's `VerifySignatures` does: the canonical form of the parsed
 * `signed` value must carry valid signatures from at least `threshold` distinct keys of the role.
 */
export function verifyRoleSignatures(
  doc: SignedDocument,
  keys: Readonly<Record<string, TufKey>>,
  role: TufRole,
  what: string,
): void {
  if (role.threshold < 1) throw new MetadataError(`${what}: the role's threshold is ${role.threshold}`);
  const message = canonicalJson(doc.signed);
  const valid = new Set<string>();
  for (const signature of doc.signatures) {
    if (!role.keyids.includes(signature.keyid) || valid.has(signature.keyid)) continue;
    const key = keys[signature.keyid];
    if (!key) continue;
    let publicKey: KeyObject;
    try {
      publicKey = publicKeyOf(key);
    } catch {
      continue;
    }
    if (verifyOne(signature.method, publicKey, message, Buffer.from(signature.sig, 'base64')))
      valid.add(signature.keyid);
  }
  if (valid.size < role.threshold) {
    throw new MetadataError(
      `${what} is not signed by its role's keys (${valid.size} valid signature(s), threshold ${role.threshold})`,
    );
  }
}

/** An ECDSA P-256 signature as notary makes it: SHA-256 over the canonical bytes, raw r||s. */
export function signEcdsa(privateKey: KeyObject, keyId: string, canonicalSigned: Buffer): TufSignature {
  const sig = sign('sha256', canonicalSigned, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return { keyid: keyId, method: 'ecdsa', sig: sig.toString('base64') };
}
