import { describe, expect, it } from 'vitest';
import { rejectUnsupportedFeatures } from '../../../../src/main/containers/unsupported-features';
import { parseCheckRequest } from '../../../../src/main/request/request-schema';

const repository = 'registry.test/team/app';

/** Through the parser, as an entrypoint does, so zero values are read as Go reads them. */
function rejection(source: object, step: 'check' | 'in' | 'out' = 'check'): unknown {
  const parsed = parseCheckRequest(JSON.stringify({ source: { repository, ...source } })).source;
  try {
    rejectUnsupportedFeatures(parsed, undefined, step);
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('rejectUnsupportedFeatures', () => {
  it.each([
    [
      { azure_acr: true, azure_client_id: 'c' },
      'source.azure_acr: Azure Container Registry authentication is not supported yet',
    ],
  ])('fails clearly for %j', (source, message) => {
    expect(rejection(source)).toMatchObject({ code: 'NOT_IMPLEMENTED', message });
  });

  it('lets the provider fields through: the Google and ECR providers handle them', () => {
    expect(rejection({ google_auth: true })).toBeUndefined();
    expect(rejection({ aws_region: 'eu-west-1', aws_account_id: '123456789012' })).toBeUndefined();
  });

  it('accepts the Go zero values and the azure_* settings that only tune azure_acr', () => {
    expect(
      rejection({
        aws_region: '',
        aws_account_id: '',
        aws_role_arns: [],
        azure_acr: false,
        azure_client_id: 'c',
        azure_tenant_id: 't',
        azure_environment: 'AzureChina',
        google_auth: false,
      }),
    ).toBeUndefined();
  });

  it('lets content_trust through in every step (out signs; check and in ignore it, as Go)', () => {
    const content_trust = {
      repository_key_id: 'i',
      repository_key: 'k',
      repository_passphrase: 'p',
      best_effort: true,
    };
    expect(rejection({ content_trust }, 'in')).toBeUndefined();
    expect(rejection({ content_trust }, 'out')).toBeUndefined();
  });
});
