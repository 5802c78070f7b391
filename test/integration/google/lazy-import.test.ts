/**
 * google-auth-library (about 25 packages) is loaded only by a step with `google_auth: true`:
 * bin/check runs with a module.register() resolve hook (through NODE_OPTIONS=--import) that logs
 * every module URL the process resolves.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pushImage, randomImage } from '../support/image-fixtures';
import { startRegistry, type RunningRegistry } from '../support/registry-server';
import { runBin } from '../support/run-bin';
import { startFakeMetadataServer, type FakeMetadataServer } from './fakes/fake-metadata-server';
import { createGoogleTestEnv, type GoogleTestEnv } from './fakes/google-test-env';

let registry: RunningRegistry;
let metadata: FakeMetadataServer;
let google: GoogleTestEnv;
let digest: string;

beforeAll(async () => {
  google = createGoogleTestEnv();
  writeFileSync(
    join(google.dir, 'log-resolve.mjs'),
    [
      "import { appendFileSync } from 'node:fs';",
      'export async function resolve(specifier, context, next) {',
      '  const result = await next(specifier, context);',
      '  appendFileSync(process.env.RESOLVE_LOG, `${result.url}\\n`);',
      '  return result;',
      '}',
    ].join('\n'),
  );
  writeFileSync(
    join(google.dir, 'register.mjs'),
    "import { register } from 'node:module';\nregister('./log-resolve.mjs', import.meta.url);\n",
  );
  [registry, metadata] = await Promise.all([startRegistry(), startFakeMetadataServer()]);
  digest = await pushImage(registry, 'lazy/app', 'latest', randomImage('lazy'));
});

afterAll(async () => {
  await Promise.all([registry?.stop(), metadata?.stop()]);
  google?.remove();
});

async function resolvedModules(source: Record<string, unknown>): Promise<string[]> {
  const log = join(google.dir, `resolved-${Date.now()}.log`);
  const result = await runBin(
    'check',
    { source: { repository: `${registry.host}/lazy/app`, tag: 'latest', ...source } },
    {
      inheritEnv: false,
      env: {
        ...google.env,
        GCE_METADATA_HOST: metadata.host,
        RESOLVE_LOG: log,
        NODE_OPTIONS: `--import=${pathToFileURL(join(google.dir, 'register.mjs')).href}`,
      },
    },
  );
  expect(result.stderr).toBe('');
  expect(result.json).toEqual([{ tag: 'latest', digest }]);
  const modules = existsSync(log) ? readFileSync(log, 'utf8').split('\n') : [];
  rmSync(log, { force: true });
  return modules;
}

const isGoogleAuthLibrary = (url: string): boolean => url.includes('/node_modules/google-auth-library/');

it('check without google_auth never loads google-auth-library', async () => {
  const modules = await resolvedModules({});
  expect(modules.some((url) => url.endsWith('/dist/check.mjs'))).toBe(true); // the hook saw the bundle
  expect(modules.filter(isGoogleAuthLibrary)).toEqual([]);
});

it('check with google_auth loads it', async () => {
  const modules = await resolvedModules({ google_auth: true });
  expect(modules.filter(isGoogleAuthLibrary).length).toBeGreaterThan(0);
  expect(metadata.tokenRequests()).toBe(1);
});
