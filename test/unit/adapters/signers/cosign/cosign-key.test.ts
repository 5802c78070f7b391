import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCosignKey } from '../../../../../src/adapters/signers/cosign/cosign-key';
import { ConfigurationError } from '../../../../../src/domain/errors';
import { writeCosignKey } from './cosign-key-writer';

const FAST = { n: 1024 };

function reencode(pem: string, edit: (json: Record<string, unknown>) => void): string {
  const body = pem.split('\n').slice(1, -2).join('');
  const json = JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as Record<string, unknown>;
  edit(json);
  return `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${Buffer.from(JSON.stringify(json)).toString('base64')}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
}

describe('loadCosignKey', () => {
  it('decrypts a key written by cosign itself (empty password, N=65536)', () => {
    // Test key published by conforma/cli (internal/validate/vsa tests), made by `cosign generate-key-pair`.
    const pem = readFileSync(new URL('./fixtures/cosign-generated.key', import.meta.url), 'utf8');
    const key = loadCosignKey(pem, '');
    expect(key.privateKey.asymmetricKeyType).toBe('ec');
    expect(key.privateKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    expect(() => loadCosignKey(pem, 'x')).toThrow(/does not decrypt/);
  });

  it('decrypts a cosign 2 key (scrypt N=32768, as cosign writes it) to the same key pair', () => {
    const written = writeCosignKey('s3cret');
    const key = loadCosignKey(written.pem, 's3cret');
    const signature = sign('sha256', Buffer.from('x'), key.privateKey);
    expect(verify('sha256', Buffer.from('x'), createPublicKey(written.publicPem), signature)).toBe(true);
    expect(key.publicKey.export({ format: 'pem', type: 'spki' })).toBe(written.publicPem);
  });

  it('reads the cosign 1 label and an empty password', () => {
    const written = writeCosignKey('', { ...FAST, label: 'ENCRYPTED COSIGN PRIVATE KEY' });
    expect(loadCosignKey(written.pem, '').publicKey.export({ format: 'pem', type: 'spki' })).toBe(written.publicPem);
  });

  it('refuses a wrong password in one line that names the setting', () => {
    const written = writeCosignKey('right', FAST);
    expect(() => loadCosignKey(written.pem, 'wrong')).toThrow(
      new ConfigurationError('source.cosign.key does not decrypt with source.cosign.password (wrong password?)'),
    );
  });

  it('refuses what is not a cosign key', () => {
    const plain = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    expect(() => loadCosignKey(plain.toString(), '')).toThrow(/is not a cosign private key/);
  });

  it('refuses unknown ciphers and hostile scrypt costs before deriving anything', () => {
    const written = writeCosignKey('p', FAST);
    const otherCipher = reencode(written.pem, (j) => ((j.cipher as Record<string, unknown>).name = 'aes-gcm'));
    expect(() => loadCosignKey(otherCipher, 'p')).toThrow(/unsupported cipher "aes-gcm"/);
    const costly = reencode(written.pem, (j) => ((j.kdf as { params: { N: number } }).params.N = 1 << 24));
    expect(() => loadCosignKey(costly, 'p')).toThrow(/scrypt parameters N=16777216 r=8 p=1 are out of range/);
  });
});
