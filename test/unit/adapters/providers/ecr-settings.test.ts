import { describe, expect, it } from 'vitest';
import { ecrRegionField, ecrSettings } from '../../../../src/adapters/providers/ecr/ecr-settings';
import { configuredTarget } from '../../../../src/application/mirror-plan';
import type { AwsConfig, Source } from '../../../../src/application/request-types';
import { ConfigurationError } from '../../../../src/domain/errors';
import type { ProviderRequest } from '../../../../src/ports/registry-provider';

function request(source: Omit<Source, 'repository'>, params?: AwsConfig): ProviderRequest {
  const full: Source = { repository: 'team/app', ...source };
  return { source: full, step: 'in', target: configuredTarget(full), ...(params ? { params } : {}) };
}

describe('ecrRegionField', () => {
  it('is switched on by source.aws_region, or by params.aws_region for a step', () => {
    expect(ecrRegionField(request({}))).toBeUndefined();
    expect(ecrRegionField(request({ aws_region: '' }))).toBeUndefined();
    expect(ecrRegionField(request({ aws_region: 'us-east-1' }))).toBe('source.aws_region');
    expect(ecrRegionField(request({ aws_region: 'us-east-1' }, { aws_region: 'eu-west-1' }))).toBe('params.aws_region');
  });
});

describe('ecrSettings', () => {
  it('uses the keys (with a session token) when both key fields are set', () => {
    const settings = ecrSettings(
      request({
        aws_region: 'us-east-1',
        aws_access_key_id: 'AKID',
        aws_secret_access_key: 'S',
        aws_session_token: 'T',
      }),
    );
    expect(settings).toEqual({
      region: 'us-east-1',
      repository: 'team/app',
      keys: { accessKeyId: 'AKID', secretAccessKey: 'S', sessionToken: 'T' },
      roleArns: [],
      registryIdGiven: false,
    });
  });

  it('falls back to the default chain, and says why, when one key field is missing', () => {
    const settings = ecrSettings(request({ aws_region: 'us-east-1', aws_access_key_id: 'AKID' }));
    expect(settings.keys).toBeUndefined();
    expect(settings.incompleteKeys).toBe('source.aws_access_key_id is set without source.aws_secret_access_key');
    expect(ecrSettings(request({ aws_region: 'us-east-1' })).incompleteKeys).toBeUndefined();
  });

  it('chains aws_role_arns in order, or the single aws_role_arn', () => {
    expect(ecrSettings(request({ aws_region: 'r', aws_role_arns: ['a', 'b'] })).roleArns).toEqual(['a', 'b']);
    expect(ecrSettings(request({ aws_region: 'r', aws_role_arn: 'a' })).roleArns).toEqual(['a']);
  });

  it('refuses aws_role_arn with aws_role_arns, naming where they are', () => {
    expect(() => ecrSettings(request({ aws_region: 'r', aws_role_arn: 'a', aws_role_arns: ['b'] }))).toThrow(
      new ConfigurationError(
        'source.aws_role_arn and source.aws_role_arns cannot be set together: use aws_role_arns for a chain of roles',
      ),
    );
    expect(() => ecrSettings(request({ aws_region: 'r' }, { aws_role_arn: 'a', aws_role_arns: ['b'] }))).toThrow(
      /^params\.aws_role_arn and params\.aws_role_arns/,
    );
  });

  it('lets params override the source: region and account alone, keys and roles as a group', () => {
    const settings = ecrSettings(
      request(
        {
          aws_region: 'us-east-1',
          aws_account_id: '111111111111',
          aws_access_key_id: 'SOURCE',
          aws_secret_access_key: 'source-secret',
          aws_session_token: 'source-token',
          aws_role_arns: ['source-a', 'source-b'],
        },
        {
          aws_region: 'eu-west-1',
          aws_access_key_id: 'PARAMS',
          aws_secret_access_key: 'params-secret',
          aws_role_arn: 'p',
        },
      ),
    );
    expect(settings.region).toBe('eu-west-1');
    expect(settings.accountId).toBe('111111111111');
    // The source's session token never pairs with the step's key.
    expect(settings.keys).toEqual({ accessKeyId: 'PARAMS', secretAccessKey: 'params-secret' });
    // A step's role replaces the source's list instead of clashing with it.
    expect(settings.roleArns).toEqual(['p']);
  });

  it('keeps the source groups when params do not set them', () => {
    const settings = ecrSettings(
      request(
        { aws_region: 'us-east-1', aws_access_key_id: 'K', aws_secret_access_key: 'S', aws_role_arn: 'a' },
        { aws_account_id: '222222222222' },
      ),
    );
    expect(settings).toMatchObject({ region: 'us-east-1', accountId: '222222222222', roleArns: ['a'] });
    expect(settings.keys?.accessKeyId).toBe('K');
  });

  it('notes aws_ecr_registry_id, which only earns a warning', () => {
    expect(ecrSettings(request({ aws_region: 'r', aws_ecr_registry_id: '1' })).registryIdGiven).toBe(true);
    expect(ecrSettings(request({ aws_region: 'r' }, { aws_ecr_registry_id: '1' })).registryIdGiven).toBe(true);
  });
});
