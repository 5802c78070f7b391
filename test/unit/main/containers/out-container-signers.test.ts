import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { NoopSigner } from '../../../../src/adapters/signers/noop-signer';
import { NotarySigner } from '../../../../src/adapters/signers/notary/notary-signer';
import type { OutRequest } from '../../../../src/application/request-types';
import { createOutContainer } from '../../../../src/main/containers/out-container';
import { SignerPort } from '../../../../src/ports/signer-port';
import { TARGETS_KEY_ID, fixture } from '../../adapters/signers/notary/fixtures';

function request(contentTrust?: OutRequest['source']['content_trust']): OutRequest {
  return {
    source: { repository: '127.0.0.1:5000/foo/bar', ...(contentTrust ? { content_trust: contentTrust } : {}) },
    params: { image: 'image' },
  };
}

const trust = {
  server: 'http://127.0.0.1:4450',
  repository_key_id: TARGETS_KEY_ID,
  repository_key: fixture('targets-key.pem').toString(),
  repository_passphrase: 'targetspass',
};

describe('out container signers', () => {
  it('binds the no-op signer without content_trust', () => {
    expect(createOutContainer(request()).get<SignerPort>(SignerPort)).toBeInstanceOf(NoopSigner);
  });

  it('binds the Notary signer with content_trust', () => {
    expect(createOutContainer(request(trust)).get<SignerPort>(SignerPort)).toBeInstanceOf(NotarySigner);
  });

  it('refuses a key that does not decrypt when the signer is built, before any push', () => {
    const container = createOutContainer(request({ ...trust, repository_passphrase: 'wrong' }));
    expect(() => container.get<SignerPort>(SignerPort)).toThrow(
      'source.content_trust.repository_key cannot be decrypted: wrong repository_passphrase; nothing was pushed',
    );
  });
});
