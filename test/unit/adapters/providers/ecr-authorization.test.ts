import { describe, expect, it } from 'vitest';
import {
  decodeAuthorizationToken,
  ecrGrant,
  proxyEndpointHost,
} from '../../../../src/adapters/providers/ecr/ecr-authorization';
import type { EcrSettings } from '../../../../src/adapters/providers/ecr/ecr-settings';
import { RegistryError } from '../../../../src/ports/registry-errors';

const base64 = (text: string): string => Buffer.from(text).toString('base64');

describe('decodeAuthorizationToken', () => {
  it('takes the password from base64 "AWS:<password>"', () => {
    expect(decodeAuthorizationToken(base64('AWS:eyJwYXlsb2FkIjoi'))).toBe('eyJwYXlsb2FkIjoi');
    expect(decodeAuthorizationToken(`${base64('AWS: spaced \n')}\n`)).toBe('spaced');
  });

  it.each([
    ['not base64', 'not base64!'],
    ['unpadded', base64('AWS:pwd').replace(/=+$/, '')],
    ['no colon', base64('AWSpassword')],
    ['another user', base64('admin:password')],
    ['a colon in the password', base64('AWS:pass:word')],
    ['an empty password', base64('AWS:')],
    ['empty', ''],
  ])('is undefined for a malformed token (%s)', (_why, token) => {
    expect(decodeAuthorizationToken(token)).toBeUndefined();
  });
});

describe('proxyEndpointHost', () => {
  it('is the host[:port] of the endpoint', () => {
    expect(proxyEndpointHost('https://123456789012.dkr.ecr.eu-west-1.amazonaws.com')).toBe(
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    );
    expect(proxyEndpointHost('https://127.0.0.1:5102/')).toBe('127.0.0.1:5102');
    expect(proxyEndpointHost('registry.test:8443')).toBe('registry.test:8443');
  });

  it('refuses an endpoint without a host', () => {
    expect(() => proxyEndpointHost('https://')).toThrow(RegistryError);
  });
});

describe('ecrGrant', () => {
  const settings: EcrSettings = { region: 'eu-west-1', repository: 'team/app', roleArns: [], registryIdGiven: false };
  const authorization = {
    password: 'ecr-password',
    proxyEndpoint: 'https://999999999999.dkr.ecr.eu-west-1.amazonaws.com',
  };

  it('names the proxy endpoint host and the configured repository, and grants AWS for that host only', async () => {
    const grant = ecrGrant(settings, authorization);
    expect(grant.target).toEqual({
      name: '999999999999.dkr.ecr.eu-west-1.amazonaws.com/team/app',
      origin: { registry: '999999999999.dkr.ecr.eu-west-1.amazonaws.com', path: 'team/app' },
    });
    expect(grant.credentials.map((c) => c.registry)).toEqual(['999999999999.dkr.ecr.eu-west-1.amazonaws.com']);
    expect(await grant.credentials[0]?.source.current()).toEqual({
      kind: 'basic',
      username: 'AWS',
      password: 'ecr-password',
    });
  });

  it('with aws_account_id, names ACCOUNT.dkr.ecr.REGION.amazonaws.com whatever the endpoint says', () => {
    const grant = ecrGrant({ ...settings, accountId: '123456789012' }, { ...authorization, proxyEndpoint: '' });
    expect(grant.target.name).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app');
    expect(grant.target.origin).toEqual({ registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', path: 'team/app' });
    expect(grant.credentials.map((c) => c.registry)).toEqual(['123456789012.dkr.ecr.eu-west-1.amazonaws.com']);
  });

  it('never keeps a mirror: ECR repositories are not on Docker Hub', () => {
    expect(ecrGrant({ ...settings, repository: 'alpine' }, authorization).target).not.toHaveProperty('mirror');
  });
});
