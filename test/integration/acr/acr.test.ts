/**
 * `azure_acr: true` through bin/check, bin/in and bin/out with the real `@azure/identity`, against
 * a fake ACR front (fake-acr.ts) before the real docker-registry, and fakes of Azure's identity
 * endpoints (fake-azure-identity.ts), all on 127.0.0.1. The child gets only the environment each
 * test gives it, so nothing on this machine can pick another identity.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomImage } from '../support/image-fixtures';
import { getTestPki } from '../support/pki';
import { pushImage } from '../support/registry-push';
import { runBin, type RunBinResult } from '../support/run-bin';
import { ACR_USER, startFakeAcr, type FakeAcr } from './fake-acr';
import {
  startEntraEndpoint,
  startManagedIdentityEndpoint,
  type EntraEndpoint,
  type ManagedIdentityEndpoint,
} from './fake-azure-identity';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const PUBLIC = 'https://management.azure.com';
const GOVERNMENT = 'https://management.usgovcloudapi.net';
const CHINA = 'https://management.chinacloudapi.cn';

const work = mkdtempSync(join(tmpdir(), 'ri-acr-'));
const assertion = `federated-${Date.now()}-kubernetes-service-account-token`;
const tokenFile = join(work, 'azure-identity-token');
let identity: ManagedIdentityEndpoint;
let entra: EntraEndpoint;
let acr: FakeAcr;
let imageDigest: string;

beforeAll(async () => {
  writeFileSync(tokenFile, `${assertion}\n`);
  identity = await startManagedIdentityEndpoint();
  entra = await startEntraEndpoint(assertion);
  acr = await startFakeAcr({ tenant: TENANT, entraTokens: [identity.tokens, entra.tokens] });
  imageDigest = await pushImage(acr.target, 'team/app', 'v1', randomImage('acr-v1'));
});

afterAll(async () => {
  await acr?.stop();
  await identity?.stop();
  await entra?.stop();
  rmSync(work, { recursive: true, force: true });
});

const imds = (): Record<string, string> => ({ AZURE_POD_IDENTITY_AUTHORITY_HOST: identity.url });
const appService = (): Record<string, string> => ({
  IDENTITY_ENDPOINT: `${identity.url}/msi/token`,
  IDENTITY_HEADER: identity.identityHeader,
});
const workload = async (): Promise<Record<string, string>> => ({
  AZURE_FEDERATED_TOKEN_FILE: tokenFile,
  AZURE_CLIENT_ID: 'c0ffee00-0000-4000-8000-00000000a11d',
  AZURE_TENANT_ID: 'f00dbabe-0000-4000-8000-000000000001',
  AZURE_AUTHORITY_HOST: entra.authorityHost,
  NODE_EXTRA_CA_CERTS: (await getTestPki()).caCertPath,
});

function run(
  step: 'check' | 'in' | 'out',
  request: object,
  env: Record<string, string>,
  args: string[] = [],
): Promise<RunBinResult> {
  return runBin(step, request, { env, args, inheritEnv: false });
}

/** No Entra ID or refresh token, nor the identity header, in anything the step printed. */
function expectNoSecrets(result: RunBinResult, target: FakeAcr = acr): void {
  const output = result.stdout + result.stderr;
  for (const token of [...identity.tokens.keys(), ...entra.tokens.keys()]) expect(output).not.toContain(token);
  expect(output).not.toContain(target.refreshToken);
  expect(output).not.toContain(identity.identityHeader);
  expect(output).not.toContain(assertion);
}

function expectOneFailureLine(result: RunBinResult, step: string): string {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter((line) => line.startsWith(`${step}: `));
  expect(lines, result.stderr).toHaveLength(1);
  return lines[0] ?? '';
}

describe('managed identity (IMDS), system-assigned, public cloud', () => {
  it('check, get and put succeed; the exchange got the public management scope and the challenge tenant', async () => {
    const source = { repository: `${acr.host}/team/app`, tag: 'v1', azure_acr: true, debug: true };
    const before = { identity: identity.requests.length, exchanges: acr.exchanges.length };

    const checked = await run('check', { source }, imds());
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.json).toEqual([{ tag: 'v1', digest: imageDigest }]);
    expect(checked.stderr).toMatch(
      /ACR: Entra ID token from managed identity via IMDS at http:\/\/127\.0\.0\.1:\d+ \(system-assigned\)/,
    );
    expect(checked.stderr).toContain(`ACR: tenant ${TENANT} (from the /v2/ challenge)`);
    expectNoSecrets(checked);

    const dir = join(work, 'get');
    const got = await run(
      'in',
      { source, version: { tag: 'v1', digest: imageDigest }, params: { format: 'oci' } },
      imds(),
      [dir],
    );
    expect(got.code, got.stderr).toBe(0);
    expect(readFileSync(join(dir, 'digest'), 'utf8')).toBe(imageDigest);
    expectNoSecrets(got);

    const put = await run('out', { source: { ...source, tag: 'v2' }, params: { image: 'get/image.tar' } }, imds(), [
      work,
    ]);
    expect(put.code, put.stderr).toBe(0);
    const pushed = (put.json as { version: { digest: string } }).version.digest;
    expectNoSecrets(put);
    const again = await run('check', { source: { ...source, tag: 'v2' } }, imds());
    expect(again.json).toEqual([{ tag: 'v2', digest: pushed }]);

    const seen = identity.requests.slice(before.identity);
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.every((r) => r.source === 'imds' && r.headerOk && r.resource === PUBLIC && !r.clientId)).toBe(true);
    const exchanges = acr.exchanges.slice(before.exchanges);
    expect(exchanges).toHaveLength(4);
    for (const exchange of exchanges) {
      expect(exchange).toEqual({
        grantType: 'access_token',
        service: acr.host,
        tenant: TENANT,
        resource: PUBLIC,
        status: 200,
      });
    }
    const push = acr.tokenServer.requests.filter((r) => r.scopes.some((s) => s.endsWith(':pull,push')));
    expect(push.length).toBeGreaterThan(0);
    expect(push.every((r) => r.user === ACR_USER && r.outcome === 'issued')).toBe(true);
  });
});

describe('each cloud, each identity source', () => {
  it('App Service / Container Apps, user-assigned, AzureGovernment, azure_tenant_id', async () => {
    const before = { identity: identity.requests.length, exchanges: acr.exchanges.length };
    const source = {
      repository: `${acr.host}/team/app`,
      tag: 'v1',
      azure_acr: true,
      azure_client_id: '11111111-2222-4333-8444-555555555555',
      azure_tenant_id: TENANT,
      azure_environment: 'AzureGovernment',
      debug: true,
    };
    const result = await run('check', { source }, appService());
    expect(result.code, result.stderr).toBe(0);
    expect(result.json).toEqual([{ tag: 'v1', digest: imageDigest }]);
    expect(result.stderr).toContain('ACR: Entra ID token from managed identity via App Service / Container Apps');
    expect(result.stderr).toContain(`ACR: tenant ${TENANT} (from azure_tenant_id)`);
    expectNoSecrets(result);
    expect(identity.requests.slice(before.identity)).toEqual([
      {
        source: 'app-service',
        method: 'GET',
        path: '/msi/token',
        resource: GOVERNMENT,
        clientId: '11111111-2222-4333-8444-555555555555',
        headerOk: true,
      },
    ]);
    expect(acr.exchanges.slice(before.exchanges)).toEqual([
      { grantType: 'access_token', service: acr.host, tenant: TENANT, resource: GOVERNMENT, status: 200 },
    ]);
  });

  it('AKS workload identity, AzureChina: the federated assertion goes to AZURE_AUTHORITY_HOST for the tenant', async () => {
    const before = { entra: entra.requests.length, exchanges: acr.exchanges.length };
    const env = await workload();
    const source = {
      repository: `${acr.host}/team/app`,
      tag: 'v1',
      azure_acr: true,
      azure_environment: 'AzureChina',
      debug: true,
    };
    const result = await run('check', { source }, env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json).toEqual([{ tag: 'v1', digest: imageDigest }]);
    expect(result.stderr).toContain(
      `ACR: Entra ID token from workload identity (client ID ${env.AZURE_CLIENT_ID}, tenant ${env.AZURE_TENANT_ID}, authority ${entra.authorityHost})`,
    );
    expectNoSecrets(result);
    const posts = entra.requests.slice(before.entra).filter((r) => r.method === 'POST');
    expect(posts).toEqual([
      {
        source: 'entra',
        method: 'POST',
        path: `/${env.AZURE_TENANT_ID}/oauth2/v2.0/token`,
        tenant: env.AZURE_TENANT_ID,
        resource: CHINA,
        clientId: env.AZURE_CLIENT_ID,
        grantType: 'client_credentials',
        assertionOk: true,
      },
    ]);
    expect(entra.requests.slice(before.entra).every((r) => r.path.startsWith(`/${env.AZURE_TENANT_ID}/`))).toBe(true);
    expect(acr.exchanges.slice(before.exchanges)).toEqual([
      { grantType: 'access_token', service: acr.host, tenant: TENANT, resource: CHINA, status: 200 },
    ]);
  });

  it('an unknown azure_environment warns once and falls back to the host (public here)', async () => {
    const before = acr.exchanges.length;
    const source = { repository: `${acr.host}/team/app`, tag: 'v1', azure_acr: true, azure_environment: 'AzureMars' };
    const result = await run('check', { source }, imds());
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.split('\n').filter((l) => l.includes('azure_environment'))).toEqual([
      expect.stringMatching(/unknown azure_environment "AzureMars" .*using AzurePublic/),
    ]);
    expect(acr.exchanges.slice(before).map((e) => e.resource)).toEqual([PUBLIC]);
  });
});

describe('the exchange uses the registry client’s TLS trust', () => {
  let tlsAcr: FakeAcr;
  beforeAll(async () => {
    tlsAcr = await startFakeAcr({ tenant: TENANT, entraTokens: identity.tokens, tls: true });
    await pushImage(tlsAcr.target, 'team/app', 'v1', randomImage('acr-v1'));
  });
  afterAll(async () => {
    await tlsAcr?.stop();
  });

  it('an HTTPS registry trusted through ca_certs: challenge, exchange and pulls all succeed', async () => {
    const pki = await getTestPki();
    const source = { repository: `${tlsAcr.host}/team/app`, tag: 'v1', azure_acr: true, ca_certs: [pki.caPem] };
    const result = await run('check', { source }, imds());
    expect(result.code, result.stderr).toBe(0);
    expect(result.json).toEqual([{ tag: 'v1', digest: imageDigest }]);
    expect(tlsAcr.exchanges).toEqual([
      { grantType: 'access_token', service: tlsAcr.host, tenant: TENANT, resource: PUBLIC, status: 200 },
    ]);
    expectNoSecrets(result, tlsAcr);
  });

  it('without ca_certs the exchange is never sent: one TLS line that names ca_certs', async () => {
    const before = tlsAcr.exchanges.length;
    const source = { repository: `${tlsAcr.host}/team/app`, tag: 'v1', azure_acr: true };
    const result = await run('check', { source }, imds());
    const line = expectOneFailureLine(result, 'check');
    expect(line).toMatch(
      /^check: ACR authentication for 127\.0\.0\.1:\d+ failed: TLS certificate of registry .* source\.ca_certs/,
    );
    expect(tlsAcr.exchanges.length).toBe(before);
    expectNoSecrets(result, tlsAcr);
  });
});

describe('failures: one line, exit 1, no token in any output', () => {
  it('no identity anywhere: names the sources tried', async () => {
    const source = { repository: `${acr.host}/team/app`, tag: 'v1', azure_acr: true, debug: true };
    const result = await run('check', { source }, { AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://127.0.0.1:9' });
    const line = expectOneFailureLine(result, 'check');
    expect(line).toMatch(
      /^check: ACR authentication for 127\.0\.0\.1:\d+ failed: no Azure identity gave an Entra ID token; tried workload identity \(AZURE_FEDERATED_TOKEN_FILE is not set\); managed identity via IMDS at http:\/\/127\.0\.0\.1:9 \(system-assigned\): .+$/,
    );
  });

  it('a workload identity whose assertion Entra rejects: the tenant and client are named', async () => {
    const env = await workload();
    writeFileSync(join(work, 'wrong-token'), 'not-the-federated-token\n');
    const source = { repository: `${acr.host}/team/app`, tag: 'v1', azure_acr: true, debug: true };
    const result = await run('check', { source }, { ...env, AZURE_FEDERATED_TOKEN_FILE: join(work, 'wrong-token') });
    const line = expectOneFailureLine(result, 'check');
    expect(line).toContain(`tried workload identity (client ID ${env.AZURE_CLIENT_ID}, tenant ${env.AZURE_TENANT_ID}`);
    expectNoSecrets(result);
    expect(result.stdout + result.stderr).not.toContain('not-the-federated-token');
  });

  it('the exchange refused (401): its status and the body’s error', async () => {
    const refusing = await startFakeAcr({ tenant: TENANT, entraTokens: identity.tokens, refuseExchange: true });
    try {
      const source = { repository: `${refusing.host}/team/app`, tag: 'v1', azure_acr: true, debug: true };
      const result = await run('check', { source }, imds());
      const line = expectOneFailureLine(result, 'check');
      expect(line).toBe(
        `check: ACR authentication for ${refusing.host} failed: POST /oauth2/exchange on ${refusing.host} refused the Entra ID token (HTTP 401: UNAUTHORIZED: the access token is not valid for tenant ${TENANT})`,
      );
      expect(refusing.exchanges).toHaveLength(1);
      expectNoSecrets(result, refusing);
    } finally {
      await refusing.stop();
    }
  });

  it('a wrong azure_tenant_id: the hint that it must be the registry’s tenant', async () => {
    const wrong = '99999999-9999-4999-8999-999999999999';
    const source = {
      repository: `${acr.host}/team/app`,
      tag: 'v1',
      azure_acr: true,
      azure_tenant_id: wrong,
      debug: true,
    };
    const result = await run('check', { source }, imds());
    const line = expectOneFailureLine(result, 'check');
    expect(line).toContain(
      `refused the Entra ID token (HTTP 401: UNAUTHORIZED: the access token is not valid for tenant ${wrong})`,
    );
    expect(line).toContain(`azure_tenant_id "${wrong}" must be the tenant of the registry's subscription`);
    expect(acr.exchanges.at(-1)).toMatchObject({ tenant: wrong, status: 401 });
    expectNoSecrets(result);
  });
});
