/**
 * Application Default Credentials in the library's order, with the real google-auth-library:
 * GOOGLE_APPLICATION_CREDENTIALS, then the gcloud ADC file, then the metadata server (a fake on
 * 127.0.0.1). Also an external-account (workload identity federation) file whose STS token_url
 * is a local fake, and the phrases failures are reported with.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  findApplicationDefaultCredentials,
  gcloudAdcFile,
  type GoogleAuthLibrary,
} from '../../../../src/adapters/providers/google/application-default-credentials';
import { describeGoogleFailure } from '../../../../src/adapters/providers/google/google-auth-failure';
import {
  startFakeMetadataServer,
  type FakeMetadataServer,
} from '../../../integration/google/fakes/fake-metadata-server';
import { writeServiceAccountKey } from '../../../integration/google/fakes/google-test-env';
import { ConfigurationError } from '../../../../src/domain/errors';

let library: GoogleAuthLibrary;
let metadata: FakeMetadataServer;
let dir: string;
let config: string;

const userCredentials = { type: 'authorized_user', client_id: 'id', client_secret: 'secret', refresh_token: 'r' };

beforeAll(async () => {
  library = await import('google-auth-library');
  metadata = await startFakeMetadataServer();
  dir = mkdtempSync(join(tmpdir(), 'google-adc-'));
});
afterAll(async () => {
  await metadata.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  config = mkdtempSync(join(dir, 'gcloud-'));
  vi.stubEnv('GOOGLE_APPLICATION_CREDENTIALS', undefined);
  vi.stubEnv('METADATA_SERVER_DETECTION', undefined);
  vi.stubEnv('CLOUDSDK_CONFIG', config);
  vi.stubEnv('GCE_METADATA_HOST', metadata.host);
  return () => vi.unstubAllEnvs();
});

describe('findApplicationDefaultCredentials', () => {
  it('takes GOOGLE_APPLICATION_CREDENTIALS first, without asking the metadata server', async () => {
    writeFileSync(join(config, 'application_default_credentials.json'), JSON.stringify(userCredentials));
    const key = writeServiceAccountKey(dir, 'sa@p.iam.gserviceaccount.com');
    vi.stubEnv('GOOGLE_APPLICATION_CREDENTIALS', key.path);
    const seen = metadata.requests.length;
    const login = await findApplicationDefaultCredentials(library);
    expect(login.client).toBeInstanceOf(library.JWT);
    expect(login.origin).toBe(
      `the service-account key of sa@p.iam.gserviceaccount.com in GOOGLE_APPLICATION_CREDENTIALS=${key.path}`,
    );
    expect((login.client as InstanceType<typeof library.JWT>).scopes).toEqual([
      'https://www.googleapis.com/auth/cloud-platform',
    ]);
    expect(metadata.requests.length).toBe(seen);
  });

  it('then the gcloud ADC file in CLOUDSDK_CONFIG, else in ~/.config/gcloud', async () => {
    const file = join(config, 'application_default_credentials.json');
    writeFileSync(file, JSON.stringify(userCredentials));
    const login = await findApplicationDefaultCredentials(library);
    expect(login.client).toBeInstanceOf(library.UserRefreshClient);
    expect(login.origin).toBe(`the user credentials in the gcloud ADC file ${file}`);

    const home = mkdtempSync(join(dir, 'home-'));
    mkdirSync(join(home, '.config', 'gcloud'), { recursive: true });
    expect(gcloudAdcFile({ HOME: home })).toBe(join(home, '.config', 'gcloud', 'application_default_credentials.json'));
    expect(gcloudAdcFile({ HOME: home, CLOUDSDK_CONFIG: config })).toBe(file);
  });

  it('then the metadata server', async () => {
    const login = await findApplicationDefaultCredentials(library);
    expect(login.client).toBeInstanceOf(library.Compute);
    expect(login.origin).toBe(`the metadata server GCE_METADATA_HOST=${metadata.host}`);
  });

  it('says which sources it tried when none has credentials', async () => {
    vi.stubEnv('METADATA_SERVER_DETECTION', 'none');
    await expect(findApplicationDefaultCredentials(library)).rejects.toMatchObject({
      name: ConfigurationError.name,
      message: `google_auth: no Google credentials found; tried GOOGLE_APPLICATION_CREDENTIALS (not set), the gcloud ADC file ${config}/application_default_credentials.json (not found), the metadata server GCE_METADATA_HOST=${metadata.host} (METADATA_SERVER_DETECTION=none)`,
    });
  });

  it('rejects a credentials file that is not JSON, or that the library cannot use', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ not json');
    vi.stubEnv('GOOGLE_APPLICATION_CREDENTIALS', broken);
    await expect(findApplicationDefaultCredentials(library)).rejects.toMatchObject({
      name: ConfigurationError.name,
      message: `google_auth: cannot read GOOGLE_APPLICATION_CREDENTIALS=${broken}: not valid JSON`,
    });
    writeFileSync(broken, JSON.stringify({ type: 'service_account' }));
    await expect(findApplicationDefaultCredentials(library)).rejects.toMatchObject({
      name: ConfigurationError.name,
      message: expect.stringMatching(
        /^google_auth: unusable credentials in GOOGLE_APPLICATION_CREDENTIALS=.*: .*client_email/,
      ),
    });
  });

  it('uses an external-account (workload identity federation) file: its subject token goes to its token_url', async () => {
    const exchanges: URLSearchParams[] = [];
    const sts = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        exchanges.push(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(
          JSON.stringify({
            access_token: 'ya29.federated',
            issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
            token_type: 'Bearer',
            expires_in: 3600,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => sts.listen(0, '127.0.0.1', resolve));
    try {
      const subject = join(dir, 'oidc-token');
      writeFileSync(subject, 'eyJ.subject.token');
      const file = join(dir, 'wif.json');
      writeFileSync(
        file,
        JSON.stringify({
          type: 'external_account',
          audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/ci/providers/concourse',
          subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
          token_url: `http://127.0.0.1:${(sts.address() as AddressInfo).port}/v1/token`,
          credential_source: { file: subject },
        }),
      );
      vi.stubEnv('GOOGLE_APPLICATION_CREDENTIALS', file);
      const login = await findApplicationDefaultCredentials(library);
      expect(login.origin).toBe(
        `the external-account (workload identity federation) configuration in GOOGLE_APPLICATION_CREDENTIALS=${file}`,
      );
      await expect(login.client.getAccessToken()).resolves.toMatchObject({ token: 'ya29.federated' });
      expect(exchanges).toHaveLength(1);
      expect(exchanges[0]?.get('subject_token')).toBe('eyJ.subject.token');
      expect(exchanges[0]?.get('scope')).toBe('https://www.googleapis.com/auth/cloud-platform');
    } finally {
      sts.close();
    }
  });
});

describe('describeGoogleFailure', () => {
  it('gives the status and OAuth error of a refusal, and the endpoint without its query', () => {
    const error = Object.assign(new Error('invalid_grant: Bad Request'), {
      config: { url: new URL('https://oauth2.googleapis.com/token?x=secret') },
      response: { status: 400, data: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } },
    });
    expect(describeGoogleFailure(error)).toBe(
      'HTTP 400 invalid_grant: Invalid JWT Signature. from https://oauth2.googleapis.com/token',
    );
  });

  it('gives a text body, or the network failure on one line', () => {
    expect(describeGoogleFailure({ response: { status: 404, data: 'Not Found\n' } })).toBe('HTTP 404 Not Found');
    expect(describeGoogleFailure(new Error('request failed,\n reason: connect ECONNREFUSED 127.0.0.1:1'))).toBe(
      'request failed, reason: connect ECONNREFUSED 127.0.0.1:1',
    );
  });
});
