import { describe, expect, it } from 'vitest';
import { StaticCredentialsAuth } from '../support/static-credentials-auth';

describe('StaticCredentialsAuth', () => {
  it('returns Basic credentials for a configured registry and nothing for others', async () => {
    const auth = new StaticCredentialsAuth({ '127.0.0.1:5000': { username: 'alice', password: 'secret' } });
    expect(await auth.credentialsFor('127.0.0.1:5000')).toEqual({
      kind: 'basic',
      username: 'alice',
      password: 'secret',
    });
    expect(await auth.credentialsFor('127.0.0.1:5001')).toBeUndefined();
  });

  it("treats Docker Hub's names as one registry", async () => {
    const auth = new StaticCredentialsAuth(new Map([['docker.io', { username: 'u', password: 'p' }]]));
    expect(await auth.credentialsFor('index.docker.io')).toMatchObject({ username: 'u' });
    expect(await auth.credentialsFor('registry-1.docker.io')).toMatchObject({ username: 'u' });
  });

  it('ignores entries without a username (anonymous, as in the Go resource)', async () => {
    const auth = new StaticCredentialsAuth({ 'r.example': { username: '', password: 'x' } });
    expect(await auth.credentialsFor('r.example')).toBeUndefined();
  });
});
