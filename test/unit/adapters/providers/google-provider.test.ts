/**
 * GoogleProvider with the real google-auth-library against a fake metadata server on 127.0.0.1
 * (GCE_METADATA_HOST), in-process: switching, the hosts it answers for, one token per step and
 * one renewal.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { GoogleProvider } from '../../../../src/adapters/providers/google-provider';
import { parseRepository } from '../../../../src/domain/image-reference';
import type { ProviderRequest, StepTarget } from '../../../../src/ports/registry-provider';
import type { Source } from '../../../../src/application/request-types';
import {
  startFakeMetadataServer,
  type FakeMetadataServer,
} from '../../../integration/google/fakes/fake-metadata-server';
import { AuthenticationError } from '../../../../src/ports/registry-errors';

let metadata: FakeMetadataServer;
let dir: string;

beforeAll(async () => {
  metadata = await startFakeMetadataServer({ token: 'ya29.first' });
  dir = mkdtempSync(join(tmpdir(), 'google-provider-'));
});
afterAll(async () => {
  await metadata.stop();
  rmSync(dir, { recursive: true, force: true });
  vi.unstubAllEnvs();
});
beforeEach(() => {
  vi.stubEnv('GOOGLE_APPLICATION_CREDENTIALS', undefined);
  vi.stubEnv('CLOUDSDK_CONFIG', dir);
  vi.stubEnv('GCE_METADATA_HOST', metadata.host);
  metadata.set({ token: 'ya29.first' });
});

function request(repository: string, source: Partial<Source> = { google_auth: true }): ProviderRequest {
  const target: StepTarget = { name: repository, origin: parseRepository(repository) };
  return { source: { repository, ...source }, step: 'check', target };
}

describe('GoogleProvider', () => {
  const provider = new GoogleProvider();

  it('is a cloud provider switched on by source.google_auth: true only', () => {
    expect(provider.kind).toBe('cloud');
    expect(provider.switchedOnBy(request('gcr.io/p/app'))).toEqual(['source.google_auth']);
    expect(provider.switchedOnBy(request('gcr.io/p/app', { google_auth: false }))).toEqual([]);
    expect(provider.switchedOnBy(request('gcr.io/p/app', {}))).toEqual([]);
  });

  it.each([
    ['gcr.io/project/app', 'gcr.io'],
    ['eu.gcr.io/project/app', 'eu.gcr.io'],
    ['europe-west1-docker.pkg.dev/project/repo/app', 'europe-west1-docker.pkg.dev'],
    ['registry.internal.example:5000/team/app', 'registry.internal.example:5000'],
  ])('grants oauth2accesstoken credentials for the origin registry of %s, and no other host', async (repo, host) => {
    const req = request(repo);
    const grant = await provider.resolve(req, req.target);
    expect(grant.target).toBeUndefined();
    expect(grant.credentials.map((c) => c.registry)).toEqual([host]);
    await expect(grant.credentials[0]?.source.current()).resolves.toEqual({
      kind: 'basic',
      username: 'oauth2accesstoken',
      password: 'ya29.first',
    });
  });

  it('fetches one token per step however often asked, and a fresh one once on renew', async () => {
    const req = request('gcr.io/project/app');
    const source = (await provider.resolve(req, req.target)).credentials[0]?.source;
    const before = metadata.tokenRequests();
    const asked = await Promise.all([source?.current(), source?.current(), source?.current()]);
    expect(new Set(asked.map((c) => (c?.kind === 'basic' ? c.password : '')))).toEqual(new Set(['ya29.first']));
    expect(metadata.tokenRequests() - before).toBe(1);

    metadata.set({ token: 'ya29.second' });
    await expect(source?.renew?.()).resolves.toMatchObject({ password: 'ya29.second' });
    await expect(source?.current()).resolves.toMatchObject({ password: 'ya29.second' });
    expect(metadata.tokenRequests() - before).toBe(2);
    const token = metadata.requests.filter((r) => r.path.endsWith('/token')).at(-1);
    expect(token?.query).toBe(`?scopes=${encodeURIComponent('https://www.googleapis.com/auth/cloud-platform')}`);
  });

  it('a metadata refusal is an AUTHENTICATION error with the status', async () => {
    metadata.set({ tokenStatus: 403 });
    try {
      const req = request('gcr.io/project/app');
      const source = (await provider.resolve(req, req.target)).credentials[0]?.source;
      await expect(source?.current()).rejects.toMatchObject({
        name: AuthenticationError.name,
        message: expect.stringMatching(/^google_auth: no access token from the metadata server .*: HTTP 403/),
      });
    } finally {
      metadata.set({ tokenStatus: undefined });
    }
  });
});
