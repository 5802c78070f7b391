import { describe, expect, it } from 'vitest';
import { notarySettings } from '../../../../../src/adapters/signers/notary/notary-settings';
import type { Source } from '../../../../../src/application/request-types';
import { getTestPki } from '../../../../integration/support/pki';

const key = { repository_key_id: 'id', repository_key: 'pem', repository_passphrase: 'pass' };

function source(extra: Partial<Source> = {}, trust: Partial<NonNullable<Source['content_trust']>> = {}): Source {
  return { repository: 'registry.example:5000/team/app', ...extra, content_trust: { ...key, ...trust } };
}

describe('notarySettings', () => {
  it('defaults Docker Hub repositories to notary.docker.io with docker.io GUNs', () => {
    const settings = notarySettings({ repository: 'team/app', content_trust: key });
    expect(settings.server.toString()).toBe('https://notary.docker.io/');
    expect(settings.gun).toBe('docker.io/team/app');
    expect(notarySettings({ repository: 'alpine', content_trust: key }).gun).toBe('docker.io/library/alpine');
  });

  it('requires a server for other registries and names the repository', () => {
    expect(() => notarySettings(source())).toThrow(
      'source.content_trust.server is required for registry.example:5000/team/app: only Docker Hub repositories default to https://notary.docker.io',
    );
  });

  it('keeps the repository name as GUN for any other server', () => {
    const settings = notarySettings(source({}, { server: 'https://notary.example:4443' }));
    expect(settings.gun).toBe('registry.example:5000/team/app');
    expect(settings.actions).toBe('push,pull');
  });

  it('uses content_trust credentials, else the registry credentials', () => {
    const own = notarySettings(
      source({ username: 'reg', password: 'r' }, { server: 'https://n', username: 'nu', password: 'np' }),
    );
    expect(own.credentials).toEqual({ kind: 'basic', username: 'nu', password: 'np' });
    const fallback = notarySettings(source({ username: 'reg', password: 'r' }, { server: 'https://n' }));
    expect(fallback.credentials).toEqual({ kind: 'basic', username: 'reg', password: 'r' });
    expect(notarySettings(source({}, { server: 'https://n' })).credentials).toBeUndefined();
  });

  it('takes scopes, insecure and best_effort from the request', () => {
    const settings = notarySettings(
      source({ insecure: true }, { server: 'https://n', scopes: 'push', best_effort: true }),
    );
    expect([settings.actions, settings.insecure, settings.bestEffort]).toEqual(['push', true, true]);
  });

  it('refuses a server that is not an http(s) URL', () => {
    expect(() => notarySettings(source({}, { server: 'notary:4443' }))).toThrow(
      /must be an http:\/\/ or https:\/\/ URL/,
    );
    expect(() => notarySettings(source({}, { server: 'https://u:p@n' }))).toThrow(/must not hold credentials/);
  });

  it('wants tls_cert and tls_key together, and as PEM', async () => {
    const pki = await getTestPki();
    const base = { server: 'https://n' };
    expect(() => notarySettings(source({}, { ...base, tls_cert: pki.clientCertPem }))).toThrow(/go together/);
    expect(() => notarySettings(source({}, { ...base, tls_cert: 'x', tls_key: pki.clientKeyPem }))).toThrow(
      'source.content_trust.tls_cert is not a PEM certificate',
    );
    expect(() => notarySettings(source({}, { ...base, tls_cert: pki.clientCertPem, tls_key: 'x' }))).toThrow(
      'source.content_trust.tls_key is not an unencrypted PEM private key',
    );
    const settings = notarySettings(source({}, { ...base, tls_cert: pki.clientCertPem, tls_key: pki.clientKeyPem }));
    expect(settings.clientCertificate).toEqual({ cert: pki.clientCertPem, key: pki.clientKeyPem });
  });
});
