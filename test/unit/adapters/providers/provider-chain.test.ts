import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { MirrorCredentialsProvider } from '../../../../src/adapters/providers/mirror-credentials-provider';
import { ProviderChain } from '../../../../src/adapters/providers/provider-chain';
import { StaticCredentialsProvider } from '../../../../src/adapters/providers/static-credentials-provider';
import { configuredTarget } from '../../../../src/application/mirror-plan';
import type { Source } from '../../../../src/application/request-types';
import { ConfigurationError } from '../../../../src/domain/errors';
import type { Credentials } from '../../../../src/ports/auth-port';
import type {
  ProviderGrant,
  ProviderRequest,
  RegistryProvider,
  StepTarget,
} from '../../../../src/ports/registry-provider';
import { memoryLogger } from '../../../support/memory-logger';

/** A cloud provider stand-in: switched on by one field, rewrites the host, counts its calls. */
class StubCloudProvider implements RegistryProvider {
  readonly kind = 'cloud';
  resolved = 0;
  renewed = 0;
  seenTarget?: StepTarget;

  constructor(
    readonly name: string,
    private readonly field: keyof Source,
    private readonly rewriteTo?: string,
  ) {}

  switchedOnBy(request: ProviderRequest): readonly string[] {
    return request.source[this.field] ? [`source.${this.field}`] : [];
  }

  resolve(_request: ProviderRequest, target: StepTarget): Promise<ProviderGrant> {
    this.resolved++;
    this.seenTarget = target;
    const origin = this.rewriteTo ? { registry: this.rewriteTo, path: target.origin.path } : target.origin;
    const token = (n: number): Credentials => ({ kind: 'bearer', token: `cloud-token-${n}` });
    return Promise.resolve({
      ...(this.rewriteTo ? { target: { name: `${this.rewriteTo}/${target.name}`, origin } } : {}),
      credentials: [
        {
          registry: origin.registry,
          source: {
            current: () => Promise.resolve(token(0)),
            renew: () => Promise.resolve(token(++this.renewed)),
          },
        },
      ],
    });
  }
}

function chain(source: Source, providers: RegistryProvider[], params?: ProviderRequest['params']) {
  const logger = memoryLogger();
  const secrets: string[] = [];
  logger.registerSecret = (s) => secrets.push(s);
  const request: ProviderRequest = {
    source,
    ...(params ? { params } : {}),
    step: 'check',
    target: configuredTarget(source),
  };
  return { chain: new ProviderChain(providers, request, logger), logger, secrets };
}

const credentialProviders = (): RegistryProvider[] => [
  new StaticCredentialsProvider(),
  new MirrorCredentialsProvider(),
];

describe('ProviderChain', () => {
  it('is anonymous with the configured target when no provider is switched on', async () => {
    const { chain: c } = chain({ repository: 'registry.test/team/app' }, credentialProviders());
    expect(await c.resolve()).toEqual({
      name: 'registry.test/team/app',
      origin: { registry: 'registry.test', path: 'team/app' },
    });
    expect(await c.credentialsFor('registry.test')).toBeUndefined();
  });

  it('gives the source credentials to the repository registry only, and the mirror its own', async () => {
    const source: Source = {
      repository: 'busybox',
      username: 'hub-user',
      password: 'hub-pass',
      registry_mirror: { host: 'mirror.test:5000', username: 'mirror-user', password: 'mirror-pass' },
    };
    const { chain: c, secrets } = chain(source, credentialProviders());
    expect((await c.resolve()).mirror).toEqual({ registry: 'mirror.test:5000', path: 'library/busybox' });
    expect(await c.credentialsFor('registry-1.docker.io')).toEqual({
      kind: 'basic',
      username: 'hub-user',
      password: 'hub-pass',
    });
    expect(await c.credentialsFor('mirror.test:5000')).toMatchObject({ username: 'mirror-user' });
    expect(await c.credentialsFor('other.test')).toBeUndefined();
    expect(secrets).toEqual(['hub-pass', 'mirror-pass']);
  });

  it('is anonymous when only one of username and password is set, as in the Go resource', async () => {
    const { chain: c } = chain({ repository: 'registry.test/app', username: 'alice' }, credentialProviders());
    expect(await c.credentialsFor('registry.test')).toBeUndefined();
  });

  it('lets params credentials replace the source pair for the step', async () => {
    const source: Source = { repository: 'registry.test/app', username: 'alice', password: 'old' };
    const { chain: c } = chain(source, credentialProviders(), { username: 'bot', password: 'short-lived' });
    expect(await c.credentialsFor('registry.test')).toMatchObject({ username: 'bot', password: 'short-lived' });
  });

  it('refuses two cloud providers with one error naming both fields', async () => {
    const google = new StubCloudProvider('Google', 'google_auth' as keyof Source);
    const ecr = new StubCloudProvider('ECR', 'aws_region');
    const source = { repository: 'registry.test/app', aws_region: 'us-east-1', google_auth: true } as Source;
    const { chain: c } = chain(source, [google, ecr, ...credentialProviders()]);
    const error = await c.resolve().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      'source.google_auth (Google) and source.aws_region (ECR) cannot be used together: configure one cloud provider',
    );
    expect(google.resolved + ecr.resolved).toBe(0);
  });

  it('runs the cloud provider first: its rewrite is the target and its credentials win for that host', async () => {
    const ecr = new StubCloudProvider('ECR', 'aws_region', 'acct.dkr.ecr.test');
    const source: Source = { repository: 'team/app', aws_region: 'x', username: 'u', password: 'p' };
    const { chain: c } = chain(source, [...credentialProviders(), ecr]);
    const target = await c.resolve();
    expect(target).toEqual({
      name: 'acct.dkr.ecr.test/team/app',
      origin: { registry: 'acct.dkr.ecr.test', path: 'team/app' },
    });
    expect(await c.credentialsFor('acct.dkr.ecr.test')).toEqual({ kind: 'bearer', token: 'cloud-token-0' });
    // The cloud provider saw the configured target; nothing else claimed the rewritten host.
    expect(ecr.seenTarget?.origin.registry).toBe('index.docker.io');
  });

  it('resolves once for concurrent callers and renews a host at most once per step', async () => {
    const cloud = new StubCloudProvider('Google', 'aws_region');
    const { chain: c, secrets } = chain({ repository: 'gcr.test/p/app', aws_region: 'on' }, [cloud]);
    await Promise.all([c.resolve(), c.credentialsFor('gcr.test'), c.resolve()]);
    expect(cloud.resolved).toBe(1);
    expect(await c.renew('gcr.test')).toEqual({ kind: 'bearer', token: 'cloud-token-1' });
    expect(await c.renew('gcr.test')).toBeUndefined();
    expect(await c.renew('other.test')).toBeUndefined();
    expect(cloud.renewed).toBe(1);
    expect(secrets).toEqual(['cloud-token-0', 'cloud-token-1']);
  });
});
