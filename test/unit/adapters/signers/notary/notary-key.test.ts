import { describe, expect, it } from 'vitest';
import { loadNotaryKey } from '../../../../../src/adapters/signers/notary/notary-key';
import { DELEGATION_KEY_ID, TARGETS_KEY_ID, fixture } from './fixtures';

describe('loadNotaryKey', () => {
  it('decrypts a targets key written by the notary CLI (PBES2, PBKDF2-SHA1, PEM headers) and derives its key ID', () => {
    const key = loadNotaryKey(fixture('targets-key.pem').toString(), 'targetspass', TARGETS_KEY_ID);
    expect(key.keyId).toBe(TARGETS_KEY_ID);
    expect(key.role).toBe('targets');
    expect(key.gun).toBe('127.0.0.1:5000/foo/bar');
    expect(key.privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('decrypts a delegation key made by `notary key generate` (no gun header)', () => {
    const key = loadNotaryKey(fixture('delegation-key.pem').toString(), 'delegpass', DELEGATION_KEY_ID.toUpperCase());
    expect(key.keyId).toBe(DELEGATION_KEY_ID);
    expect(key.role).toBe('releases');
    expect(key.gun).toBeUndefined();
  });

  it('says the passphrase is wrong, without echoing it or the key', () => {
    const pem = fixture('targets-key.pem').toString();
    let message = '';
    try {
      loadNotaryKey(pem, 'not-the-passphrase', TARGETS_KEY_ID);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('source.content_trust.repository_key cannot be decrypted: wrong repository_passphrase');
  });

  it('refuses a key whose ID is not repository_key_id', () => {
    expect(() => loadNotaryKey(fixture('targets-key.pem').toString(), 'targetspass', DELEGATION_KEY_ID)).toThrow(
      `repository_key_id ${DELEGATION_KEY_ID} does not match repository_key, whose key ID is ${TARGETS_KEY_ID}`,
    );
  });

  it('refuses text that holds no private key', () => {
    expect(() => loadNotaryKey('hello', 'x', TARGETS_KEY_ID)).toThrow(/is not a PEM private key/);
  });

  it('refuses keys other than ECDSA P-256', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => loadNotaryKey(pem, '', TARGETS_KEY_ID)).toThrow(/is a ed25519 key; only ECDSA P-256 keys/);
  });
});
