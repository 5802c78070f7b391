import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { createOutContainer } from '../../../../src/main/containers/out-container';
import { GOOGLE_TOKEN, resolvedCredentials, withGoogleMetadata } from './container-credentials';

describe('out container', () => {
  const metadata = withGoogleMetadata();
  const repository = 'registry.internal.example:5000/team/app';
  const origin = { registry: 'registry.internal.example:5000', path: 'team/app' };
  const params = { image: 'image/image.tar' };

  it('resolves the target and Google credentials with google_auth, whatever the host', async () => {
    const container = createOutContainer({ source: { repository, google_auth: true }, params });
    await expect(resolvedCredentials(container)).resolves.toEqual({
      target: { name: repository, origin },
      credentials: { kind: 'basic', username: 'oauth2accesstoken', password: GOOGLE_TOKEN },
    });
    expect(metadata.get().tokenRequests()).toBe(1);
  });

  it('is anonymous without google_auth, and uses username/password when given', async () => {
    const anonymous = createOutContainer({ source: { repository }, params });
    await expect(resolvedCredentials(anonymous)).resolves.toMatchObject({ credentials: undefined });
    const withPair = createOutContainer({ source: { repository, username: 'u', password: 'p' }, params });
    await expect(resolvedCredentials(withPair)).resolves.toMatchObject({
      credentials: { kind: 'basic', username: 'u', password: 'p' },
    });
    expect(metadata.get().tokenRequests()).toBe(1);
  });
});
