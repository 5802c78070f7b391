import { describe, expect, it } from 'vitest';
import { secretsOf } from '../../../../src/main/secrets';

describe('secretsOf, for ECR', () => {
  it('scrubs the AWS key id, secret and session token of the source and of the params', () => {
    const secrets = secretsOf(
      {
        repository: 'team/app',
        aws_region: 'us-east-1',
        aws_access_key_id: 'AKIDSOURCE',
        aws_secret_access_key: 'source-secret',
        aws_session_token: 'source-token',
      },
      { aws_access_key_id: 'AKIDPARAMS', aws_secret_access_key: 'params-secret', aws_session_token: 'params-token' },
    );
    expect(secrets).toEqual(
      expect.arrayContaining([
        'AKIDSOURCE',
        'source-secret',
        'source-token',
        'AKIDPARAMS',
        'params-secret',
        'params-token',
      ]),
    );
    expect(secrets).not.toContain('us-east-1');
  });
});
