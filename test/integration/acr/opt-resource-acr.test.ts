/**
 * `azure_acr` from /opt/resource as the image lays it out (docker/layout.mjs): the bundles keep
 * `@azure/identity` external and import it from /opt/resource/node_modules, which ships its Node
 * closure only (no browser build, no source maps or type declarations).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomImage } from '../support/image-fixtures';
import { pushImage } from '../support/registry-push';
import { REPO_ROOT } from '../support/run-bin';
import { ACR_USER, startFakeAcr, type FakeAcr } from './fake-acr';
import { startManagedIdentityEndpoint, type ManagedIdentityEndpoint } from './fake-azure-identity';

const exec = promisify(execFile);
const IMAGE_ENV = { PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin` };

function runCheck(
  request: unknown,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(opt, 'check'), [], { env, cwd: '/', stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(JSON.stringify(request));
  });
}
let ctx: string;
let image: string;
let opt: string;
let identity: ManagedIdentityEndpoint;
let acr: FakeAcr;
let digest: string;

beforeAll(async () => {
  ctx = await mkdtemp(join(tmpdir(), 'ri-acr-layout-'));
  // Its own build context and dist/, as the Dockerfile's build stage: other tests' dist/ is left alone.
  for (const entry of ['src', 'scripts', 'node_modules', 'package.json', 'tsconfig.json']) {
    await symlink(join(REPO_ROOT, entry), join(ctx, entry));
  }
  await exec(process.execPath, [join(REPO_ROOT, 'scripts/build.mjs')], { cwd: ctx });
  // Outside the build context: no ancestor node_modules (ctx/node_modules links the repository's)
  // may resolve what /opt/resource/node_modules lacks.
  image = await mkdtemp(join(tmpdir(), 'ri-acr-image-'));
  opt = join(image, 'opt/resource');
  await exec(process.execPath, [
    join(REPO_ROOT, 'docker/layout.mjs'),
    join(ctx, 'dist'),
    opt,
    join(ctx, 'node_modules'),
  ]);
  identity = await startManagedIdentityEndpoint();
  acr = await startFakeAcr({ tenant: 'layout-tenant', entraTokens: identity.tokens });
  digest = await pushImage(acr.target, 'team/app', 'v1', randomImage('acr-layout'));
}, 120_000);

afterAll(async () => {
  await acr?.stop();
  await identity?.stop();
  if (ctx) await rm(ctx, { recursive: true, force: true });
  if (image) await rm(image, { recursive: true, force: true });
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
  await rename(join(opt, 'node_modules'), join(image, 'node_modules-moved-away'));
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
