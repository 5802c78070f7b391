/**
 * `source.google_auth: true` end to end: bin/check, bin/in and bin/out with the real
 * google-auth-library against fakes of Google's endpoints (a metadata server, the OAuth token
 * endpoint for service-account keys), logging in to the real docker-registry whose token server
 * accepts only `oauth2accesstoken` with the issued access token. Everything on 127.0.0.1.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, layerFromFiles, pushImage } from '../support/image-fixtures';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy';
import { startRegistry, type RunningRegistry } from '../support/registry-server';
import { runBin, type RunBinResult } from '../support/run-bin';
import { startTokenServer, type TokenServer } from '../support/token-server';
import { dockerSaveEntries, writeTarFile } from '../../unit/adapters/image-input/layout-fixtures';
import { startFakeMetadataServer, type FakeMetadataServer } from './fakes/fake-metadata-server';
import { startFakeOAuthServer, type FakeOAuthServer } from './fakes/fake-oauth-server';
import { getGooglePki } from './fakes/google-pki';
import { createGoogleTestEnv, writeServiceAccountKey, type GoogleTestEnv } from './fakes/google-test-env';

const ACCESS_TOKEN = 'ya29.c.fake-access-token-registry-accepts-0123456789';
const SA_EMAIL = 'pusher@test-project.iam.gserviceaccount.com';
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

let metadata: FakeMetadataServer;
let oauth: FakeOAuthServer;
let proxy: ConnectProxy;
let tokens: TokenServer;
let registry: RunningRegistry;
let google: GoogleTestEnv;
let key: { path: string; publicKeyPem: string };
let closedPort: number;
let digest: string;

/** A port nothing listens on: connections are refused at once. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  google = createGoogleTestEnv();
  closedPort = await freePort();
  metadata = await startFakeMetadataServer({ token: ACCESS_TOKEN });
  key = writeServiceAccountKey(google.dir, SA_EMAIL);
  const pki = await getGooglePki();
  oauth = await startFakeOAuthServer({
    pki,
    publicKeyPem: key.publicKeyPem,
    clientEmail: SA_EMAIL,
    accessToken: ACCESS_TOKEN,
    scope: SCOPE,
  });
  proxy = await startConnectProxy({ routes: { 'oauth2.googleapis.com:443': `127.0.0.1:${oauth.port}` } });
  google.env.NODE_EXTRA_CA_CERTS = pki.caCertPath;
  tokens = await startTokenServer({ users: { oauth2accesstoken: ACCESS_TOKEN }, anonymousActions: [] });
  registry = await startRegistry({ auth: { token: tokens } });
  const image = buildImage({ layers: [layerFromFiles([{ path: 'hello', content: 'gcr' }])] });
  digest = await pushImage(
    { url: registry.url, username: 'oauth2accesstoken', password: ACCESS_TOKEN },
    'project/app',
    'latest',
    image,
  );
}, 30_000);

afterAll(async () => {
  await Promise.all([registry?.stop(), tokens?.stop(), metadata?.stop(), oauth?.stop(), proxy?.stop()]);
  google?.remove();
});

const source = (extra: Record<string, unknown> = {}) => ({
  repository: `${registry.host}/project/app`,
  tag: 'latest',
  google_auth: true,
  debug: true,
  ...extra,
});

/** ADC through the metadata server only. */
const viaMetadata = (): Record<string, string> => ({ ...google.env, GCE_METADATA_HOST: metadata.host });

/** ADC through the key file; the token endpoint is reached through the proxy, the registry directly. */
const viaKey = (path = key.path): Record<string, string> => ({
  ...google.env,
  GOOGLE_APPLICATION_CREDENTIALS: path,
  HTTPS_PROXY: proxy.url,
  NO_PROXY: '127.0.0.1,localhost',
  // Were the key ignored, the metadata server would not answer either.
  GCE_METADATA_HOST: `127.0.0.1:${closedPort}`,
});

function run(
  name: 'check' | 'in' | 'out',
  request: object,
  env: Record<string, string>,
  args: string[] = [],
): Promise<RunBinResult> {
  return runBin(name, request, { env, inheritEnv: false, args });
}

function expectNoToken(result: RunBinResult): void {
  expect(result.stdout).not.toContain(ACCESS_TOKEN);
  expect(result.stderr).not.toContain(ACCESS_TOKEN);
  expect(result.stderr).not.toContain('ya29.');
}

function expectOk(result: RunBinResult): void {
  expect(result.stderr, result.stderr).not.toMatch(/^(check|in|out): /m);
  expect(result.code).toBe(0);
}

/** One failure line on stderr, nothing on stdout. */
function failureLine(result: RunBinResult, name: string): string {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter((l) => l.startsWith(`${name}: `));
  expect(lines, result.stderr).toHaveLength(1);
  return lines[0] ?? '';
}

function outDir(): string {
  const dir = mkdtempSync(join(google.dir, 'out-'));
  const image = buildImage({ layers: [layerFromFiles([{ path: 'pushed', content: 'by out' }])], mediaTypes: 'docker' });
  writeTarFile(join(dir, 'image.tar'), dockerSaveEntries(image, 'tar'));
  return dir;
}

describe('google_auth through the metadata server', () => {
  it('check, get and put log in as oauth2accesstoken with one token per step, never printing it', async () => {
    const steps: Array<[string, () => Promise<RunBinResult>]> = [
      ['check', () => run('check', { source: source() }, viaMetadata())],
      [
        'in',
        () =>
          run('in', { source: source(), version: { tag: 'latest', digest } }, viaMetadata(), [
            mkdtempSync(join(google.dir, 'in-')),
          ]),
      ],
      [
        'out',
        () =>
          run('out', { source: source({ tag: 'pushed' }), params: { image: 'image.tar' } }, viaMetadata(), [outDir()]),
      ],
    ];
    for (const [name, step] of steps) {
      const before = metadata.tokenRequests();
      const issued = tokens.requests.length;
      const result = await step();
      expectOk(result);
      expectNoToken(result);
      expect(metadata.tokenRequests() - before, name).toBe(1);
      const logins = tokens.requests.slice(issued);
      expect(logins.length, name).toBeGreaterThan(0);
      expect(
        logins.every((r) => r.user === 'oauth2accesstoken' && r.outcome === 'issued'),
        name,
      ).toBe(true);
    }
    expect(metadata.requests.every((r) => r.flavor)).toBe(true);
    expect(google.gcloudRuns()).toEqual([]);
  });

  it('check reports the digest, as without google_auth against an open registry', async () => {
    const result = await run('check', { source: source() }, viaMetadata());
    expectOk(result);
    expect(result.json).toEqual([{ tag: 'latest', digest }]);
  });

  it('without google_auth the same registry refuses the anonymous check', async () => {
    const result = await run('check', { source: source({ google_auth: false }) }, viaMetadata());
    expect(failureLine(result, 'check')).toMatch(/authentication|denied|unauthorized/i);
  });

  it('a token the registry does not accept fails with one line, after renewing it once', async () => {
    metadata.set({ token: 'ya29.c.a-token-the-registry-refuses' });
    try {
      const before = metadata.tokenRequests();
      const result = await run('check', { source: source() }, viaMetadata());
      const line = failureLine(result, 'check');
      expect(line).toContain('oauth2accesstoken');
      expect(line).toMatch(/authentication failed for .*project\/app/);
      expect(result.stderr).not.toContain('a-token-the-registry-refuses');
      expect(metadata.tokenRequests() - before).toBe(2);
    } finally {
      metadata.set({ token: ACCESS_TOKEN });
    }
  });

  it('an unknown service account on the metadata server is one line with the status', async () => {
    metadata.set({ tokenStatus: 404 });
    try {
      const result = await run('check', { source: source() }, viaMetadata());
      expect(failureLine(result, 'check')).toMatch(
        /^check: google_auth: no access token from the metadata server GCE_METADATA_HOST=127\.0\.0\.1:\d+: HTTP 404 Not Found from http:\/\/127\.0\.0\.1:\d+\/computeMetadata\/v1\/instance\/service-accounts\/default\/token$/,
      );
    } finally {
      metadata.set({ tokenStatus: undefined });
    }
  });
});

describe('google_auth with a service-account key (GOOGLE_APPLICATION_CREDENTIALS)', () => {
  it('check, get and put get their token from the OAuth endpoint with a signed JWT grant', async () => {
    const metadataTokens = metadata.tokenRequests();
    const steps: Array<[string, () => Promise<RunBinResult>]> = [
      ['check', () => run('check', { source: source() }, viaKey())],
      [
        'in',
        () =>
          run('in', { source: source(), version: { tag: 'latest', digest } }, viaKey(), [
            mkdtempSync(join(google.dir, 'in-')),
          ]),
      ],
      [
        'out',
        () =>
          run('out', { source: source({ tag: 'pushed-by-key' }), params: { image: 'image.tar' } }, viaKey(), [
            outDir(),
          ]),
      ],
    ];
    for (const [name, step] of steps) {
      const before = oauth.requests.length;
      const result = await step();
      expectOk(result);
      expectNoToken(result);
      expect(oauth.requests.slice(before), name).toEqual([
        { grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer', iss: SA_EMAIL, scope: SCOPE, outcome: 'issued' },
      ]);
    }
    expect(metadata.tokenRequests()).toBe(metadataTokens);
    expect(proxy.count({ method: 'CONNECT', target: 'oauth2.googleapis.com:443', status: 200 })).toBeGreaterThanOrEqual(
      3,
    );
    expect(google.gcloudRuns()).toEqual([]);
  });

  it('a key the token endpoint refuses is one line with its status and error code', async () => {
    const other = writeServiceAccountKey(google.dir, SA_EMAIL); // same account, a key Google does not know
    const result = await run('check', { source: source() }, viaKey(other.path));
    expect(failureLine(result, 'check')).toBe(
      `check: google_auth: no access token from the service-account key of ${SA_EMAIL} in GOOGLE_APPLICATION_CREDENTIALS=${other.path}: HTTP 400 invalid_grant: Invalid JWT Signature. from https://oauth2.googleapis.com/token`,
    );
    expect(result.stderr).not.toContain(readFileSync(other.path, 'utf8').slice(100, 140));
  });

  it('a missing key file is a configuration error naming the variable', async () => {
    const result = await run('check', { source: source() }, viaKey(join(google.dir, 'absent.json')));
    expect(failureLine(result, 'check')).toMatch(
      /^check: google_auth: cannot read GOOGLE_APPLICATION_CREDENTIALS=.*absent\.json: ENOENT/,
    );
  });
});

describe('google_auth without credentials', () => {
  it('names every source it tried', async () => {
    const result = await run(
      'check',
      { source: source() },
      { ...google.env, GCE_METADATA_HOST: `127.0.0.1:${closedPort}` },
    );
    expect(failureLine(result, 'check')).toBe(
      `check: google_auth: no Google credentials found; tried GOOGLE_APPLICATION_CREDENTIALS (not set), the gcloud ADC file ${google.env.CLOUDSDK_CONFIG}/application_default_credentials.json (not found), the metadata server GCE_METADATA_HOST=127.0.0.1:${closedPort} (unreachable: not on Google Cloud, or blocked)`,
    );
    expect(google.gcloudRuns()).toEqual([]);
  });

  it('gives up on a metadata server that never answers in under 5 s', async () => {
    const silent = net.createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const result = await run(
        'check',
        { source: source() },
        { ...google.env, GCE_METADATA_HOST: `127.0.0.1:${port}` },
      );
      expect(failureLine(result, 'check')).toMatch(
        /no Google credentials found; .*GCE_METADATA_HOST=127\.0\.0\.1:\d+ \(unreachable/,
      );
      expect(result.ms).toBeLessThan(5000);
      console.log(`google_auth: silent metadata server gave up after ${result.ms} ms (whole bin/check)`);
    } finally {
      silent.close();
    }
  });
});
