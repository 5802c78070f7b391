/**
 * The image layout (docker/layout.mjs) ships google-auth-library and its dependency closure in
 * /opt/resource/node_modules, and the bundled check finds it there: google_auth works from the
 * laid-out scripts, outside the repository's node_modules.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pushImage, randomImage } from '../support/image-fixtures';
import { startRegistry, type RunningRegistry } from '../support/registry-server';
import { layOutOptResource, type OptResource } from '../support/opt-resource';
import { startTokenServer, type TokenServer } from '../support/token-server';
import { startFakeMetadataServer, type FakeMetadataServer } from './fakes/fake-metadata-server';
import { createGoogleTestEnv, type GoogleTestEnv } from './fakes/google-test-env';

const TOKEN = 'ya29.opt-resource';

let resource: OptResource;
let opt: string;
let google: GoogleTestEnv;
let metadata: FakeMetadataServer;
let tokens: TokenServer;
let registry: RunningRegistry;
let digest: string;

beforeAll(async () => {
  // Built in a private context; laid out apart from it, so no parent node_modules can stand in.
  resource = await layOutOptResource('google');
  opt = resource.opt;
  google = createGoogleTestEnv();
  metadata = await startFakeMetadataServer({ token: TOKEN });
  tokens = await startTokenServer({ users: { oauth2accesstoken: TOKEN }, anonymousActions: [] });
  registry = await startRegistry({ auth: { token: tokens } });
  digest = await pushImage(
    { url: registry.url, username: 'oauth2accesstoken', password: TOKEN },
    'layout/app',
    'latest',
    randomImage('opt-google'),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all([registry?.stop(), tokens?.stop(), metadata?.stop()]);
  google?.remove();
  await resource?.remove();
});

it('/opt/resource/check logs in with google_auth using the library it ships', async () => {
  const script = join(opt, 'check');
  const env = {
    ...google.env,
    PATH: `${dirname(process.execPath)}:${google.env.PATH}`,
    GCE_METADATA_HOST: metadata.host,
  };
  const child = spawn(script, [], { env, cwd: '/', stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  child.stdin.end(
    JSON.stringify({ source: { repository: `${registry.host}/layout/app`, tag: 'latest', google_auth: true } }),
  );
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(JSON.parse(stdout)).toEqual([{ tag: 'latest', digest }]);
  expect(metadata.tokenRequests()).toBe(1);
});
