import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ConfigurationError } from '../../../domain/errors';
import { ecdsaTufKey, tufKeyId } from './tuf-keys';

/** A decrypted Notary / Docker Content Trust signing key, held in memory only. */
export interface NotaryKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Its TUF key ID (the file name under `~/.docker/trust/private/`). */
  readonly keyId: string;
  /** The `role:` PEM header: `targets`, or a delegation name such as `jertel`. */
  readonly role?: string;
  /** The `gun:` PEM header of a targets key. */
  readonly gun?: string;
}

const BLOCK = /-----BEGIN ((?:ENCRYPTED |EC )?PRIVATE KEY)-----\r?\n([\s\S]*?)-----END \1-----/;

/**
 * Splits notary's `key: value` PEM headers from the body. OpenSSL refuses headers it does not
 * know (`not proc type`), so the key is rebuilt without them.
 */
function splitPem(pem: string): { pem: string; headers: Map<string, string> } | undefined {
  const match = BLOCK.exec(pem);
  if (!match) return undefined;
  const [, label, inner] = match as unknown as [string, string, string];
  const headers = new Map<string, string>();
  const body: string[] = [];
  for (const line of inner.split(/\r?\n/)) {
    const header = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
    if (header && body.length === 0) headers.set((header[1] as string).toLowerCase(), (header[2] as string).trim());
    else if (line.trim() !== '') body.push(line.trim());
  }
  return { pem: `-----BEGIN ${label}-----\n${body.join('\n')}\n-----END ${label}-----\n`, headers };
}

/**
 * Decrypts `content_trust.repository_key` (PKCS#8 PBES2 as notary writes it) with its passphrase
 * and checks it against `repository_key_id`. Only ECDSA P-256 keys, which notary and
 * `docker trust` create, are supported.
 */
export function loadNotaryKey(pem: string, passphrase: string, expectedKeyId: string): NotaryKey {
  const split = splitPem(pem);
  if (!split) {
    throw new ConfigurationError(
      'source.content_trust.repository_key is not a PEM private key (expected a BEGIN ENCRYPTED PRIVATE KEY block)',
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: split.pem, format: 'pem', passphrase: Buffer.from(passphrase, 'utf8') });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const text = error instanceof Error ? error.message : '';
    const reason = /bad decrypt|passphrase|ERR_OSSL_BAD_DECRYPT/i.test(`${String(code)} ${text}`)
      ? 'wrong repository_passphrase'
      : 'not a readable private key';
    throw new ConfigurationError(`source.content_trust.repository_key cannot be decrypted: ${reason}`);
  }
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ConfigurationError(
      `source.content_trust.repository_key is a ${privateKey.asymmetricKeyType ?? 'unknown'} key; only ECDSA P-256 keys (as notary and docker trust create them) are supported`,
    );
  }
  const publicKey = createPublicKey(privateKey);
  const keyId = tufKeyId(ecdsaTufKey(publicKey));
  if (expectedKeyId.trim().toLowerCase() !== keyId) {
    throw new ConfigurationError(
      `source.content_trust.repository_key_id ${expectedKeyId} does not match repository_key, whose key ID is ${keyId}`,
    );
  }
  const role = split.headers.get('role');
  const gun = split.headers.get('gun');
  return {
    privateKey,
    publicKey,
    keyId,
    ...(role !== undefined ? { role } : {}),
    ...(gun !== undefined ? { gun } : {}),
  };
}
