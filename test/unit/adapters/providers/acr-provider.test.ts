import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { AcrProvider } from '../../../../src/adapters/providers/acr-provider';
import { challengeTenant } from '../../../../src/adapters/providers/acr/acr-exchange';
import { azureCloudFor } from '../../../../src/adapters/providers/acr/azure-cloud';
import type { EntraTokenRequest, EntraTokens } from '../../../../src/adapters/providers/acr/entra-token';
import { ProviderChain } from '../../../../src/adapters/providers/provider-chain';
import { configuredTarget } from '../../../../src/application/mirror-plan';
import type { Source } from '../../../../src/application/request-types';
import { ConfigurationError, type ResourceError } from '../../../../src/domain/errors';
import { AuthenticationError, NetworkError } from '../../../../src/ports/registry-errors';
import type { AuthChallenge, FormAnswer, RegistryAuthExchange } from '../../../../src/ports/registry-auth-exchange';
import type { ProviderRequest } from '../../../../src/ports/registry-provider';
import { memoryLogger } from '../../../support/memory-logger';

const ACR_USER = '00000000-0000-0000-0000-000000000000';

/** Hand-written fakes of the two things the provider talks to, recording what they were asked. */
class FakeExchange implements RegistryAuthExchange {
  challenges: AuthChallenge[] = [
    { scheme: 'bearer', params: { realm: 'https://r.azurecr.io/oauth2/token?tenant=tenant-from-realm', service: 'r' } },
  ];
  /** A fixed answer; unset, each exchange returns a new refresh token (`refresh-N`). */
  answer?: FormAnswer;
  challenged = 0;
  forms: Array<{ registry: string; path: string; form: Record<string, string> }> = [];

  challenge(): Promise<readonly AuthChallenge[]> {
    this.challenged++;
    return Promise.resolve(this.challenges);
  }

  postForm(registry: string, path: string, form: Readonly<Record<string, string>>): Promise<FormAnswer> {
    this.forms.push({ registry, path, form: { ...form } });
    return Promise.resolve(this.answer ?? { status: 200, body: { refresh_token: `refresh-${this.forms.length}` } });
  }
}

class FakeTokens implements EntraTokens {
  requests: EntraTokenRequest[] = [];
  failure?: ResourceError;

  token(request: EntraTokenRequest): Promise<{ token: string; identity: string }> {
    this.requests.push(request);
    if (this.failure) return Promise.reject(this.failure);
    return Promise.resolve({ token: `entra-${this.requests.length}`, identity: 'a fake identity' });
  }
}

function setup(source: Partial<Source>) {
  const logger = memoryLogger();
  const secrets: string[] = [];
  logger.registerSecret = (s) => secrets.push(s);
  const exchange = new FakeExchange();
  const tokens = new FakeTokens();
  const full: Source = { repository: 'myregistry.azurecr.io/team/app', ...source };
  const request: ProviderRequest = { source: full, step: 'check', target: configuredTarget(full) };
  const provider = new AcrProvider(() => exchange, logger, tokens);
  return { logger, secrets, exchange, tokens, request, provider };
}

describe('AcrProvider', () => {
  it('is a cloud provider switched on by source.azure_acr: true only', () => {
    const { provider, request } = setup({ azure_acr: true });
    expect(provider.kind).toBe('cloud');
    expect(provider.switchedOnBy(request)).toEqual(['source.azure_acr']);
    expect(setup({ azure_acr: false }).provider.switchedOnBy(setup({ azure_acr: false }).request)).toEqual([]);
    expect(setup({}).provider.switchedOnBy(setup({}).request)).toEqual([]);
  });

  it('trades the Entra ID token for a refresh token and logs in as the ACR refresh user', async () => {
    const { provider, request, exchange, tokens, secrets } = setup({ azure_acr: true, azure_client_id: 'client-1' });
    const grant = await provider.resolve(request, request.target);
    expect(grant.target).toBeUndefined();
    expect(grant.credentials.map((c) => c.registry)).toEqual(['myregistry.azurecr.io']);
    expect(await grant.credentials[0]?.source.current()).toEqual({
      kind: 'basic',
      username: ACR_USER,
      password: 'refresh-1',
    });
    expect(tokens.requests).toEqual([
      {
        clientId: 'client-1',
        cloud: {
          name: 'AzurePublic',
          authorityHost: 'https://login.microsoftonline.com',
          scope: 'https://management.azure.com/.default',
        },
      },
    ]);
    expect(exchange.forms).toEqual([
      {
        registry: 'myregistry.azurecr.io',
        path: '/oauth2/exchange',
        form: {
          grant_type: 'access_token',
          service: 'myregistry.azurecr.io',
          tenant: 'tenant-from-realm',
          access_token: 'entra-1',
        },
      },
    ]);
    expect(secrets).toEqual(['entra-1', 'refresh-1']);
  });

  it('azure_tenant_id is used as is, without reading the challenge', async () => {
    const { provider, request, exchange } = setup({ azure_acr: true, azure_tenant_id: 'configured-tenant' });
    await provider.resolve(request, request.target);
    expect(exchange.challenged).toBe(0);
    expect(exchange.forms[0]?.form.tenant).toBe('configured-tenant');
  });

  it('without a tenant in the challenge, the tenant is "common"', async () => {
    const { provider, request, exchange } = setup({ azure_acr: true });
    exchange.challenges = [{ scheme: 'basic', params: { realm: 'x' } }];
    await provider.resolve(request, request.target);
    expect(exchange.forms[0]?.form.tenant).toBe('common');
  });

  it('renewal runs the whole login again with a fresh Entra ID token', async () => {
    const { provider, request, exchange, tokens } = setup({ azure_acr: true });
    const source = (await provider.resolve(request, request.target)).credentials[0]?.source;
    expect(await source?.renew?.()).toEqual({ kind: 'basic', username: ACR_USER, password: 'refresh-2' });
    expect(await source?.current()).toEqual({ kind: 'basic', username: ACR_USER, password: 'refresh-2' });
    expect(tokens.requests).toHaveLength(2);
    expect(exchange.forms.map((f) => f.form.access_token)).toEqual(['entra-1', 'entra-2']);
  });

  it('a refused exchange is one line with its status and the body’s error, never the token', async () => {
    const { provider, request, exchange } = setup({ azure_acr: true });
    exchange.answer = {
      status: 401,
      body: { error: 'invalid_token', error_description: 'token entra-1 is expired' },
    };
    const failure = provider.resolve(request, request.target);
    await expect(failure).rejects.toThrow(
      'ACR authentication for myregistry.azurecr.io failed: POST /oauth2/exchange on myregistry.azurecr.io refused the Entra ID token (HTTP 401: invalid_token: token *** is expired)',
    );
    await expect(failure).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('with azure_tenant_id, a refusal carries the hint that it must be the registry’s tenant', async () => {
    const { provider, request, exchange } = setup({ azure_acr: true, azure_tenant_id: 'vm-tenant' });
    exchange.answer = { status: 401, body: { errors: [{ code: 'UNAUTHORIZED', message: 'wrong tenant' }] } };
    await expect(provider.resolve(request, request.target)).rejects.toThrow(
      /HTTP 401: UNAUTHORIZED: wrong tenant\); azure_tenant_id "vm-tenant" must be the tenant of the registry's subscription/,
    );
  });

  it('a 200 without a refresh_token is an error too', async () => {
    const { provider, request, exchange } = setup({ azure_acr: true });
    exchange.answer = { status: 200, body: undefined };
    await expect(provider.resolve(request, request.target)).rejects.toThrow(
      'POST /oauth2/exchange on myregistry.azurecr.io answered without a refresh_token',
    );
  });

  it('no identity: the token source’s line, prefixed with the registry', async () => {
    const { provider, request, exchange, tokens } = setup({ azure_acr: true });
    tokens.failure = new AuthenticationError('no Azure identity gave an Entra ID token; tried X; Y');
    const failure = provider.resolve(request, request.target);
    await expect(failure).rejects.toThrow(
      'ACR authentication for myregistry.azurecr.io failed: no Azure identity gave an Entra ID token; tried X; Y',
    );
    await expect(failure).rejects.toBeInstanceOf(AuthenticationError);
    expect(exchange.forms).toEqual([]);
  });

  it('the prefixed failure keeps the kind of its cause: configuration stays configuration, network stays network', async () => {
    const { provider, request, tokens } = setup({ azure_acr: true });
    tokens.failure = new ConfigurationError('AZURE_CLIENT_ID is missing');
    const misconfigured = provider.resolve(request, request.target);
    await expect(misconfigured).rejects.toBeInstanceOf(ConfigurationError);
    await expect(misconfigured).rejects.toThrow('ACR authentication for myregistry.azurecr.io failed: AZURE_CLIENT_ID');
    const unreachable = new NetworkError('refused', 'cannot reach login.microsoftonline.com', { temporary: true });
    tokens.failure = unreachable;
    const caught = await provider.resolve(request, request.target).catch((error: unknown) => error);
    expect(caught).toBeInstanceOf(NetworkError);
    expect(caught).toMatchObject({ kind: 'refused', temporary: true, cause: unreachable });
    expect(caught).not.toBeInstanceOf(AuthenticationError);
  });

  it('an unknown azure_environment warns once and the host decides', async () => {
    const { provider, request, logger, tokens } = setup({
      repository: 'gov.azurecr.us/app',
      azure_acr: true,
      azure_environment: 'AzureStack',
    });
    await provider.resolve(request, request.target);
    expect(logger.warnings).toEqual([
      'unknown azure_environment "AzureStack" (expected AzurePublic, AzureGovernment, AzureChina); using AzureGovernment from the registry host gov.azurecr.us',
    ]);
    expect(tokens.requests[0]?.cloud.name).toBe('AzureGovernment');
  });

  it('through the provider chain, it excludes another cloud provider and owns its host', async () => {
    const { provider, request, logger } = setup({ azure_acr: true, username: 'u', password: 'p' });
    const chain = new ProviderChain([provider], request, logger);
    expect(await chain.credentialsFor('myregistry.azurecr.io')).toMatchObject({ username: ACR_USER });
    expect(await chain.credentialsFor('other.example.com')).toBeUndefined();
  });
});

describe('azureCloudFor', () => {
  it.each([
    ['myregistry.azurecr.io', undefined, 'AzurePublic', 'https://management.azure.com/.default'],
    ['MyRegistry.AzureCR.us', undefined, 'AzureGovernment', 'https://management.usgovcloudapi.net/.default'],
    ['r.azurecr.cn:443', undefined, 'AzureChina', 'https://management.chinacloudapi.cn/.default'],
    ['registry.example.com', undefined, 'AzurePublic', 'https://management.azure.com/.default'],
    ['r.azurecr.io', 'AzureChina', 'AzureChina', 'https://management.chinacloudapi.cn/.default'],
    ['127.0.0.1:5000', 'AzureGovernment', 'AzureGovernment', 'https://management.usgovcloudapi.net/.default'],
    ['r.azurecr.cn', '', 'AzureChina', 'https://management.chinacloudapi.cn/.default'],
  ])('%s with azure_environment %s → %s', (registry, environment, name, scope) => {
    const choice = azureCloudFor(registry, environment);
    expect(choice).toEqual({ cloud: expect.objectContaining({ name, scope }) });
  });

  it('gives each cloud its Entra ID authority host', () => {
    expect(azureCloudFor('a.azurecr.io', undefined).cloud.authorityHost).toBe('https://login.microsoftonline.com');
    expect(azureCloudFor('a.azurecr.us', undefined).cloud.authorityHost).toBe('https://login.microsoftonline.us');
    expect(azureCloudFor('a.azurecr.cn', undefined).cloud.authorityHost).toBe('https://login.chinacloudapi.cn');
  });
});

describe('challengeTenant', () => {
  it('reads a tenant parameter, else the realm’s tenant query, else nothing', () => {
    expect(challengeTenant([{ scheme: 'bearer', params: { realm: 'https://h/oauth2/token', tenant: 't1' } }])).toBe(
      't1',
    );
    expect(challengeTenant([{ scheme: 'bearer', params: { realm: 'https://h/oauth2/exchange?tenant=t2' } }])).toBe(
      't2',
    );
    expect(challengeTenant([{ scheme: 'bearer', params: { realm: 'https://h/oauth2/token' } }])).toBeUndefined();
    expect(challengeTenant([{ scheme: 'bearer', params: { realm: 'not a url' } }])).toBeUndefined();
    expect(challengeTenant([{ scheme: 'basic', params: { tenant: 't3' } }])).toBeUndefined();
    expect(challengeTenant([])).toBeUndefined();
  });
});
