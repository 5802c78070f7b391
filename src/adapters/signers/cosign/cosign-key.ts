import { createPrivateKey, createPublicKey, scryptSync, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import { ConfigurationError } from '../../../domain/errors';

/** PEM labels of `cosign generate-key-pair` private keys: cosign 2 and later, then cosign 1. */
export const COSIGN_KEY_LABELS = ['ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY'] as const;

/** scrypt cost bounds: cosign writes N=32768 r=8 p=1; anything far above is a hostile or broken key. */
const MAX_SCRYPT_N = 1 << 20;
const MAX_SCRYPT_RP = 64;

/** A decrypted cosign key pair. */
export interface CosignKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/**
 * The body of the PEM block (go-securesystemslib `encrypted`): scrypt derives a 32-byte key from
 * the password, NaCl secretbox seals the PKCS#8 DER of the private key. Go's `[]byte` fields are
 * standard base64 in JSON.
 */
interface EncryptedKeyJson {
  kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

function pemBody(pem: string): string {
  for (const label of COSIGN_KEY_LABELS) {
    const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
    if (match) return (match[1] as string).replace(/\s+/g, '');
  }
  throw new ConfigurationError(
    `source.cosign.key is not a cosign private key (expected a PEM block "${COSIGN_KEY_LABELS.join('" or "')}", as written by cosign generate-key-pair)`,
  );
}

function isEncryptedKeyJson(value: unknown): value is EncryptedKeyJson {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const kdf = v.kdf as Record<string, unknown> | undefined;
  const cipher = v.cipher as Record<string, unknown> | undefined;
  const params = kdf?.params as Record<string, unknown> | undefined;
  return (
    typeof kdf?.name === 'string' &&
    typeof kdf.salt === 'string' &&
    typeof params?.N === 'number' &&
    typeof params.r === 'number' &&
    typeof params.p === 'number' &&
    typeof cipher?.name === 'string' &&
    typeof cipher.nonce === 'string' &&
    typeof v.ciphertext === 'string'
  );
}

function parseEncrypted(pem: string): EncryptedKeyJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(pemBody(pem), 'base64').toString('utf8'));
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    throw new ConfigurationError('source.cosign.key: the PEM block does not hold the JSON of an encrypted key');
  }
  if (!isEncryptedKeyJson(parsed)) {
    throw new ConfigurationError('source.cosign.key: the encrypted key lacks kdf, cipher or ciphertext');
  }
  if (parsed.kdf.name !== 'scrypt') {
    throw new ConfigurationError(`source.cosign.key: unsupported key derivation "${parsed.kdf.name}" (only scrypt)`);
  }
  if (parsed.cipher.name !== 'nacl/secretbox') {
    throw new ConfigurationError(`source.cosign.key: unsupported cipher "${parsed.cipher.name}" (only nacl/secretbox)`);
  }
  const { N, r, p } = parsed.kdf.params;
  const validN = Number.isInteger(N) && N > 1 && N <= MAX_SCRYPT_N && (N & (N - 1)) === 0;
  const validRp = [r, p].every((x) => Number.isInteger(x) && x >= 1 && x <= MAX_SCRYPT_RP);
  if (!validN || !validRp) {
    throw new ConfigurationError(`source.cosign.key: scrypt parameters N=${N} r=${r} p=${p} are out of range`);
  }
  return parsed;
}

/** Decrypts a `cosign generate-key-pair` private key; a wrong password is a ConfigurationError. */
export function loadCosignKey(pem: string, password: string): CosignKey {
  const encrypted = parseEncrypted(pem);
  const { N, r, p } = encrypted.kdf.params;
  const salt = Buffer.from(encrypted.kdf.salt, 'base64');
  const nonce = Buffer.from(encrypted.cipher.nonce, 'base64');
  if (nonce.length !== nacl.secretbox.nonceLength) {
    throw new ConfigurationError(`source.cosign.key: the secretbox nonce is ${nonce.length} bytes, not 24`);
  }
  const secret = scryptSync(Buffer.from(password, 'utf8'), salt, nacl.secretbox.keyLength, {
    N,
    r,
    p,
    maxmem: 256 * N * r * p,
  });
  const opened = nacl.secretbox.open(Buffer.from(encrypted.ciphertext, 'base64'), nonce, secret);
  if (!opened) {
    throw new ConfigurationError('source.cosign.key does not decrypt with source.cosign.password (wrong password?)');
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: Buffer.from(opened), format: 'der', type: 'pkcs8' });
  } catch {
    throw new ConfigurationError('source.cosign.key decrypts, but not to a PKCS#8 private key');
  }
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
