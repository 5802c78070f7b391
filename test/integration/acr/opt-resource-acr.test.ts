/**
 * `azure_acr` from /opt/resource as the image lays it out (docker/layout.mjs): the bundles keep
 * `@azure/identity` external and import it from /opt/resource/node_modules, which ships its Node
 * closure only (no browser build, no source maps or type declarations).
 */
import { existsSync } from 'node:fs';
import { readdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomImage } from '../support/image-fixtures';
import { pushImage } from '../support/registry-push';
import { IMAGE_ENV, layOutOptResource, runScript, type OptResource, type ScriptRun } from '../support/opt-resource';
import { ACR_USER, startFakeAcr, type FakeAcr } from './fake-acr';
import { startManagedIdentityEndpoint, type ManagedIdentityEndpoint } from './fake-azure-identity';

/** Runs the laid-out check with `env` only, as the image runs it. */
function runCheck(request: unknown, env: Record<string, string>): Promise<ScriptRun> {
  return runScript(join(opt, 'check'), request, [], env);
}

let resource: OptResource;
let opt: string;
let identity: ManagedIdentityEndpoint;
let acr: FakeAcr;
let digest: string;

beforeAll(async () => {
  resource = await layOutOptResource('acr');
  opt = resource.opt;
  identity = await startManagedIdentityEndpoint();
  acr = await startFakeAcr({ tenant: 'layout-tenant', entraTokens: identity.tokens });
  digest = await pushImage(acr.target, 'team/app', 'v1', randomImage('acr-layout'));
}, 120_000);

afterAll(async () => {
  await acr?.stop();
  await identity?.stop();
  await resource?.remove();
});

it('ships @azure/identity without its browser build, maps or declarations, and check logs in with it', async () => {
  const modules = join(opt, 'node_modules');
  expect(existsSync(join(modules, '@azure/identity/package.json'))).toBe(true);
  expect(existsSync(join(modules, '@azure/msal-node/package.json'))).toBe(true);
  expect(existsSync(join(modules, '@azure/msal-browser'))).toBe(false);
  const files = (await readdir(modules, { recursive: true })).map(String);
  expect(files.filter((f) => /\.(map|d\.[cm]?ts)$/.test(f))).toEqual([]);

  const request = { source: { repository: `${acr.host}/team/app`, tag: 'v1', azure_acr: true } };
  const env = { ...IMAGE_ENV, AZURE_POD_IDENTITY_AUTHORITY_HOST: identity.url };
  const result = await runCheck(request, env);
  expect(result.code, result.stderr).toBe(0);
  expect(JSON.parse(result.stdout)).toEqual([{ tag: 'v1', digest }]);
  expect(acr.exchanges).toEqual([
    {
      grantType: 'access_token',
      service: acr.host,
      tenant: 'layout-tenant',
      resource: 'https://management.azure.com',
      status: 200,
    },
  ]);
});

it('steps without azure_acr never load the SDK: they run with it gone, an ACR step says it is missing', async () => {
  await rename(join(opt, 'node_modules'), join(dirname(opt), 'node_modules-moved-away'));
  const plain = await runCheck(
    { source: { repository: `${acr.host}/team/app`, tag: 'v1', username: ACR_USER, password: acr.refreshToken } },
    IMAGE_ENV,
  );
  expect(plain.code, plain.stderr).toBe(0);
  expect(JSON.parse(plain.stdout)).toEqual([{ tag: 'v1', digest }]);
  const azure = await runCheck({ source: { repository: `${acr.host}/team/app`, azure_acr: true } }, IMAGE_ENV);
  expect(azure.code).toBe(1);
  expect(azure.stderr.trim()).toMatch(
    /^check: ACR authentication for 127\.0\.0\.1:\d+ failed: @azure\/identity cannot be loaded \(.*\); the image ships it in \/opt\/resource\/node_modules$/,
  );
});
