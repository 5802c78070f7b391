/**
 * Test-only writer of `cosign generate-key-pair` keys (go-securesystemslib `encrypted`: scrypt +
 * NaCl secretbox over the PKCS#8 DER, JSON in a PEM block). Written from the format, not from
 * our reader, and cross-checked by skopeo, which signs with the keys it writes.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, scryptSync, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';

export interface WrittenCosignKey {
  /** The encrypted private key, as `cosign.key`. */
  readonly pem: string;
  /** The public key, as `cosign.pub`. */
  readonly publicPem: string;
  readonly privateKey: KeyObject;
}

export interface CosignKeyOptions {
  readonly label?: string;
  /** scrypt N; cosign writes 32768. */
  readonly n?: number;
  readonly privateKey?: KeyObject;
}

export function writeCosignKey(password: string, options: CosignKeyOptions = {}): WrittenCosignKey {
  const privateKey = options.privateKey ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const n = options.n ?? 32768;
  const salt = randomBytes(32);
  const nonce = randomBytes(24);
  const secret = scryptSync(password, salt, 32, { N: n, r: 8, p: 1, maxmem: 256 * n * 8 });
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const ciphertext = nacl.secretbox(der, nonce, secret);
  const json = JSON.stringify({
    kdf: { name: 'scrypt', params: { N: n, r: 8, p: 1 }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  });
  const label = options.label ?? 'ENCRYPTED SIGSTORE PRIVATE KEY';
  const body = Buffer.from(json).toString('base64').replace(/.{64}/g, '$&\n');
  const pem = `-----BEGIN ${label}-----\n${body.trimEnd()}\n-----END ${label}-----\n`;
  const publicPem = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
  return { pem, publicPem, privateKey };
}
