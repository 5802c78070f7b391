/**
 * GoogleProvider in the ProviderChain. ECR and ACR providers are not on this branch, so a stub
 * cloud provider (switched on by `source.aws_region`) stands in for the second cloud provider.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { GoogleProvider } from '../../../../src/adapters/providers/google-provider';
import { MirrorCredentialsProvider } from '../../../../src/adapters/providers/mirror-credentials-provider';
import { ProviderChain } from '../../../../src/adapters/providers/provider-chain';
import { StaticCredentialsProvider } from '../../../../src/adapters/providers/static-credentials-provider';
import type { Source } from '../../../../src/application/request-types';
import { parseRepository } from '../../../../src/domain/image-reference';
import type { Logger } from '../../../../src/ports/logger';
import type { ProviderGrant, ProviderRequest, RegistryProvider } from '../../../../src/ports/registry-provider';
import {
  startFakeMetadataServer,
  type FakeMetadataServer,
} from '../../../integration/google/fakes/fake-metadata-server';
import { ConfigurationError } from '../../../../src/domain/errors';

class StubEcrProvider implements RegistryProvider {
  readonly name = 'ECR';
  readonly kind = 'cloud';
  resolved = 0;
  switchedOnBy(request: ProviderRequest): readonly string[] {
    return request.source.aws_region ? ['source.aws_region'] : [];
  }
  resolve(): Promise<ProviderGrant> {
    this.resolved++;
    return Promise.resolve({ credentials: [] });
  }
}

let metadata: FakeMetadataServer;
let dir: string;
const secrets: string[] = [];
const logger: Logger = {
  info: () => {},
  warn: () => {},
  debug: () => {},
  debugEnabled: true,
  registerSecret: (s) => secrets.push(s),
};

beforeAll(async () => {
  metadata = await startFakeMetadataServer({ token: 'ya29.chain' });
  dir = mkdtempSync(join(tmpdir(), 'google-chain-'));
});
afterAll(async () => {
  await metadata.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  vi.stubEnv('GOOGLE_APPLICATION_CREDENTIALS', undefined);
  vi.stubEnv('CLOUDSDK_CONFIG', dir);
  vi.stubEnv('GCE_METADATA_HOST', metadata.host);
  return () => vi.unstubAllEnvs();
});

function chain(source: Source, providers: RegistryProvider[]): ProviderChain {
  const origin = parseRepository(source.repository);
  const request: ProviderRequest = {
    source,
    step: 'check',
    target: {
      name: source.repository,
      origin,
      ...(source.registry_mirror ? { mirror: { ...origin, registry: source.registry_mirror.host } } : {}),
    },
  };
  return new ProviderChain(providers, request, logger);
}

it('google_auth with another cloud provider is one configuration error naming both fields', async () => {
  const ecr = new StubEcrProvider();
  const both = chain({ repository: 'gcr.io/p/app', google_auth: true, aws_region: 'eu-west-1' }, [
    new GoogleProvider(),
    ecr,
  ]);
  await expect(both.resolve()).rejects.toMatchObject({
    name: ConfigurationError.name,
    message:
      'source.google_auth (Google) and source.aws_region (ECR) cannot be used together: configure one cloud provider',
  });
  expect(ecr.resolved).toBe(0);
  expect(metadata.tokenRequests()).toBe(0);
});

it('Google answers for the origin, the mirror keeps its own credentials, and the token is registered as a secret', async () => {
  const providers = [new StaticCredentialsProvider(), new MirrorCredentialsProvider(), new GoogleProvider()];
  const auth = chain(
    {
      repository: 'europe-docker.pkg.dev/p/repo/app',
      google_auth: true,
      username: 'ignored',
      password: 'ignored-password',
      registry_mirror: { host: 'mirror.example', username: 'm', password: 'mirror-password' },
    },
    providers,
  );
  await expect(auth.credentialsFor('europe-docker.pkg.dev')).resolves.toEqual({
    kind: 'basic',
    username: 'oauth2accesstoken',
    password: 'ya29.chain',
  });
  await expect(auth.credentialsFor('mirror.example')).resolves.toEqual({
    kind: 'basic',
    username: 'm',
    password: 'mirror-password',
  });
  await expect(auth.credentialsFor('gcr.io')).resolves.toBeUndefined();
  expect(secrets).toContain('ya29.chain');
});
