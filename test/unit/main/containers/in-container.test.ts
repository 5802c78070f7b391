import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { createInContainer } from '../../../../src/main/containers/in-container';
import { GOOGLE_TOKEN, resolvedCredentials, withGoogleMetadata } from './container-credentials';

describe('in container', () => {
  const metadata = withGoogleMetadata();
  const repository = 'gcr.io/project/app';
  const version = { digest: `sha256:${'a'.repeat(64)}` };

  it('resolves the target and Google credentials with google_auth', async () => {
    const container = createInContainer({ source: { repository, google_auth: true }, version, params: {} });
    await expect(resolvedCredentials(container)).resolves.toEqual({
      target: { name: repository, origin: { registry: 'gcr.io', path: 'project/app' } },
      credentials: { kind: 'basic', username: 'oauth2accesstoken', password: GOOGLE_TOKEN },
    });
    expect(metadata.get().tokenRequests()).toBe(1);
  });

  it('is anonymous without google_auth, and params.username/password override the source pair', async () => {
    const anonymous = createInContainer({ source: { repository }, version, params: {} });
    await expect(resolvedCredentials(anonymous)).resolves.toMatchObject({ credentials: undefined });
    const overridden = createInContainer({
      source: { repository, username: 'source-user', password: 'source-pass' },
      version,
      params: { username: 'params-user', password: 'params-pass' },
    });
    await expect(resolvedCredentials(overridden)).resolves.toMatchObject({
      credentials: { kind: 'basic', username: 'params-user', password: 'params-pass' },
    });
    expect(metadata.get().tokenRequests()).toBe(1);
  });
});
