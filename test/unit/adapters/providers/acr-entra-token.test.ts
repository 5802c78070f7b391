/**
 * AzureIdentityTokens with the real `@azure/identity`: which identity the environment selects,
 * and the one line it fails with. A silent endpoint on 127.0.0.1 stands in for an IMDS that
 * never answers (a worker outside Azure).
 */
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { azureCloudFor } from '../../../../src/adapters/providers/acr/azure-cloud';
import { AzureIdentityTokens, managedIdentitySource } from '../../../../src/adapters/providers/acr/entra-token';
import { ConfigurationError } from '../../../../src/domain/errors';

const publicCloud = azureCloudFor('r.azurecr.io', undefined).cloud;
let server: http.Server | undefined;

/** The variables the library and AzureIdentityTokens read; each test sets its own. */
const AZURE_VARIABLES = [
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_CLIENT_ID',
  'AZURE_TENANT_ID',
  'AZURE_AUTHORITY_HOST',
  'AZURE_POD_IDENTITY_AUTHORITY_HOST',
  'IDENTITY_ENDPOINT',
  'IDENTITY_HEADER',
  'IDENTITY_SERVER_THUMBPRINT',
  'IMDS_ENDPOINT',
  'MSI_ENDPOINT',
  'MSI_SECRET',
];

function environment(values: Record<string, string>): void {
  for (const name of AZURE_VARIABLES) vi.stubEnv(name, values[name]);
}

beforeEach(() => environment({}));

afterEach(async () => {
  vi.unstubAllEnvs();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Accepts connections and requests, and never answers. */
async function silentEndpoint(): Promise<string> {
  server = http.createServer(() => undefined);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('AzureIdentityTokens', () => {
  it('an IMDS that never answers fails in bounded time, naming both sources tried', async () => {
    const url = await silentEndpoint();
    environment({ AZURE_POD_IDENTITY_AUTHORITY_HOST: url });
    const tokens = new AzureIdentityTokens(800);
    const started = Date.now();
    await expect(tokens.token({ cloud: publicCloud, clientId: 'abc' })).rejects.toThrow(
      `no Azure identity gave an Entra ID token; tried workload identity (AZURE_FEDERATED_TOKEN_FILE is not set); managed identity via IMDS at ${url} (user-assigned, client ID abc): no answer within 0.8 s`,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('workload identity needs AZURE_CLIENT_ID (or azure_client_id) and AZURE_TENANT_ID', async () => {
    environment({ AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/token' });
    const tokens = new AzureIdentityTokens();
    await expect(tokens.token({ cloud: publicCloud })).rejects.toThrow(
      'workload identity: AZURE_FEDERATED_TOKEN_FILE is set but AZURE_CLIENT_ID (or azure_client_id) and AZURE_TENANT_ID are not',
    );
    environment({ AZURE_FEDERATED_TOKEN_FILE: '/t', AZURE_CLIENT_ID: 'c' });
    const withClient = new AzureIdentityTokens();
    await expect(withClient.token({ cloud: publicCloud })).rejects.toMatchObject({
      name: ConfigurationError.name,
      message: 'workload identity: AZURE_FEDERATED_TOKEN_FILE is set but AZURE_TENANT_ID is not',
    });
  });

  it('a workload identity whose token file is missing fails with the identity named', async () => {
    environment({
      AZURE_FEDERATED_TOKEN_FILE: '/nonexistent/azure-token',
      AZURE_CLIENT_ID: 'client-1',
      AZURE_TENANT_ID: 'tenant-1',
      AZURE_AUTHORITY_HOST: 'https://127.0.0.1:9',
    });
    const tokens = new AzureIdentityTokens();
    await expect(tokens.token({ cloud: publicCloud })).rejects.toThrow(
      /^no Azure identity gave an Entra ID token; tried workload identity \(client ID client-1, tenant tenant-1, authority https:\/\/127\.0\.0\.1:9\): .*ENOENT/,
    );
  });
});

describe('managedIdentitySource', () => {
  it('names the source the library picks from the environment', () => {
    expect(managedIdentitySource({ IDENTITY_ENDPOINT: 'http://e', IDENTITY_HEADER: 'h' })).toBe(
      'App Service / Container Apps (IDENTITY_ENDPOINT http://e)',
    );
    expect(
      managedIdentitySource({ IDENTITY_ENDPOINT: 'http://e', IDENTITY_HEADER: 'h', IDENTITY_SERVER_THUMBPRINT: 't' }),
    ).toBe('Service Fabric (IDENTITY_ENDPOINT http://e)');
    expect(managedIdentitySource({ IDENTITY_ENDPOINT: 'http://e', IMDS_ENDPOINT: 'http://i' })).toBe(
      'Azure Arc (IDENTITY_ENDPOINT http://e)',
    );
    expect(managedIdentitySource({ MSI_ENDPOINT: 'http://m' })).toBe(
      'Cloud Shell / Machine Learning (MSI_ENDPOINT http://m)',
    );
    expect(managedIdentitySource({})).toMatch(/^(IMDS at http:\/\/169\.254\.169\.254|Azure Arc)$/);
    expect(managedIdentitySource({ AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://127.0.0.1:1' })).toMatch(
      /^(IMDS at http:\/\/127\.0\.0\.1:1|Azure Arc)$/,
    );
  });
});
