import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { createCheckContainer } from '../../../../src/main/containers/check-container';
import { GOOGLE_TOKEN, resolvedCredentials, withGoogleMetadata } from './container-credentials';

describe('check container', () => {
  const metadata = withGoogleMetadata();
  const repository = 'us-docker.pkg.dev/project/repo/app';
  const origin = { registry: 'us-docker.pkg.dev', path: 'project/repo/app' };

  it('resolves the target and Google credentials with google_auth', async () => {
    const container = createCheckContainer({ source: { repository, google_auth: true } });
    await expect(resolvedCredentials(container)).resolves.toEqual({
      target: { name: repository, origin },
      credentials: { kind: 'basic', username: 'oauth2accesstoken', password: GOOGLE_TOKEN },
    });
    expect(metadata.get().tokenRequests()).toBe(1);
  });

  it('is anonymous without google_auth, and uses username/password when given', async () => {
    await expect(resolvedCredentials(createCheckContainer({ source: { repository } }))).resolves.toEqual({
      target: { name: repository, origin },
      credentials: undefined,
    });
    const withPair = createCheckContainer({ source: { repository, username: 'u', password: 'p' } });
    await expect(resolvedCredentials(withPair)).resolves.toMatchObject({
      credentials: { kind: 'basic', username: 'u', password: 'p' },
    });
    expect(metadata.get().tokenRequests()).toBe(1);
  });
});
