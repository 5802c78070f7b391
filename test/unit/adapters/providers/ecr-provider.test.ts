import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { EcrProvider } from '../../../../src/adapters/providers/ecr-provider';
import { ProviderChain } from '../../../../src/adapters/providers/provider-chain';
import { StaticCredentialsProvider } from '../../../../src/adapters/providers/static-credentials-provider';
import { configuredTarget } from '../../../../src/application/mirror-plan';
import type { Source } from '../../../../src/application/request-types';
import { ConfigurationError } from '../../../../src/domain/errors';
import type { ProviderRequest } from '../../../../src/ports/registry-provider';
import { memoryLogger } from '../../../support/memory-logger';

function request(source: Source): ProviderRequest {
  return { source, step: 'check', target: configuredTarget(source) };
}

describe('EcrProvider', () => {
  const provider = new EcrProvider(memoryLogger());

  it('is a cloud provider switched on by aws_region only', () => {
    expect(provider.kind).toBe('cloud');
    expect(provider.switchedOnBy(request({ repository: 'a/b' }))).toEqual([]);
    expect(provider.switchedOnBy(request({ repository: 'a/b', aws_access_key_id: 'K' }))).toEqual([]);
    expect(provider.switchedOnBy(request({ repository: 'a/b', aws_region: 'us-east-1' }))).toEqual([
      'source.aws_region',
    ]);
  });

  it('fails the chain on a role conflict before loading the SDK or calling AWS', async () => {
    const source: Source = { repository: 'a/b', aws_region: 'us-east-1', aws_role_arn: 'x', aws_role_arns: ['y'] };
    const logger = memoryLogger();
    const chain = new ProviderChain(
      [new StaticCredentialsProvider(), new EcrProvider(logger)],
      request(source),
      logger,
    );
    await expect(chain.resolve()).rejects.toThrow(ConfigurationError);
  });
});
