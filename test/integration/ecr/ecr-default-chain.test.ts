import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from '../support/fake-aws';
import { pushImage, randomImage } from '../support/image-fixtures';
import { startRegistry, type RunningRegistry } from '../support/registry-server';
import { runBin } from '../support/run-bin';
import { awsRunOptions, expectNoSecret } from './aws-test-env';

const ENV_KEY = 'AKIDFROMENVIRONMENT';
const ENV_SECRET = 'secret-from-the-environment';
const SESSION_KEY = 'ASIAUSERSESSION0001';
const SESSION_SECRET = 'secret-of-a-user-session';
const SESSION_TOKEN = 'user-session-token-0001';
const WEB_ROLE = 'arn:aws:iam::333333333333:role/eks-worker';
const TARGET_ROLE = 'arn:aws:iam::444444444444:role/ecr-pull';
const WEB_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y2k6d29ya2VyIn0.c2lnbmF0dXJl';
const PASSWORD = `ecr-default-chain-${process.pid}`;

let registry: RunningRegistry;
let fake: FakeAws;
let work: string;
let digest: string;

beforeAll(async () => {
  registry = await startRegistry({ tls: true, auth: { htpasswd: { users: { AWS: PASSWORD } } } });
  digest = await pushImage(registry, 'team/app', 'v1', randomImage('ecr-default-chain'));
  fake = await startFakeAws({
    keys: {
      [ENV_KEY]: { secret: ENV_SECRET },
      [SESSION_KEY]: { secret: SESSION_SECRET, sessionToken: SESSION_TOKEN },
    },
    roles: { [TARGET_ROLE]: { trustedBy: [WEB_ROLE] } },
    webIdentity: { token: WEB_TOKEN, roleArn: WEB_ROLE },
    ecr: { password: PASSWORD, proxyEndpoint: registry.url },
  });
  work = await mkdtemp(join(tmpdir(), 'ri-ecr-chain-'));
}, 60_000);

afterAll(async () => {
  await fake?.stop();
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const check = (source: Record<string, unknown>, env: Record<string, string> = {}) =>
  runBin(
    'check',
    {
      source: {
        repository: 'team/app',
        tag: 'v1',
        aws_region: 'us-west-2',
        ca_certs: [registry.caPem],
        debug: true,
        ...source,
      },
    },
    awsRunOptions(fake, env),
  );

function signersSince(from: number): string[] {
  return fake.calls
    .slice(from)
    .map((c) => `${c.action} ${c.principal ?? '?'} ${c.withSessionToken ? 'token' : 'no-token'}`);
}

describe('ECR without keys in the request: the SDK default credential chain', () => {
  it('signs with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment', async () => {
    const from = fake.calls.length;
    const r = await check({}, { AWS_ACCESS_KEY_ID: ENV_KEY, AWS_SECRET_ACCESS_KEY: ENV_SECRET });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual([{ tag: 'v1', digest }]);
    expect(signersSince(from)).toEqual([`GetAuthorizationToken key:${ENV_KEY} no-token`]);
    expect(expectNoSecret(r.stdout + r.stderr, [ENV_SECRET, PASSWORD])).toEqual([]);
  });

  it('exchanges a web identity token file (EKS) with AssumeRoleWithWebIdentity, then chains a role from it', async () => {
    const tokenFile = join(work, 'web-identity-token');
    await writeFile(tokenFile, WEB_TOKEN);
    const from = fake.calls.length;
    const r = await check(
      { aws_role_arn: TARGET_ROLE },
      { AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: WEB_ROLE, AWS_ROLE_SESSION_NAME: 'ci-worker' },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual([{ tag: 'v1', digest }]);
    expect(signersSince(from)).toEqual([
      `AssumeRoleWithWebIdentity web-identity:${WEB_ROLE} no-token`,
      `AssumeRole role:${WEB_ROLE} token`,
      `GetAuthorizationToken role:${TARGET_ROLE} token`,
    ]);
    expect(fake.calls[from]?.roleSessionName).toBe('ci-worker');
    expect(expectNoSecret(r.stdout + r.stderr, [WEB_TOKEN, PASSWORD, ...fake.issuedSecrets()])).toEqual([]);
  });
});

describe('ECR default chain failures', () => {
  it('a refused web identity token is one line naming the web identity role', async () => {
    const tokenFile = join(work, 'wrong-web-identity-token');
    await writeFile(tokenFile, 'not-the-token-sts-accepts');
    const r = await check({}, { AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: WEB_ROLE });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('DEBUG: '));
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^check: ECR login for team/app \\(us-west-2\\): could not get AWS credentials from the default chain \\(web identity token for ${WEB_ROLE}\\): AccessDenied: .*\\(HTTP 403\\)$`,
        ),
      ),
    ]);
    expect(expectNoSecret(r.stdout + r.stderr, ['not-the-token-sts-accepts', PASSWORD])).toEqual([]);
  });
});

describe('ECR with session keys in the request', () => {
  it('signs with aws_session_token next to the keys', async () => {
    const from = fake.calls.length;
    const r = await check({
      aws_access_key_id: SESSION_KEY,
      aws_secret_access_key: SESSION_SECRET,
      aws_session_token: SESSION_TOKEN,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(signersSince(from)).toEqual([`GetAuthorizationToken key:${SESSION_KEY} token`]);
    expect(expectNoSecret(r.stdout + r.stderr, [SESSION_KEY, SESSION_SECRET, SESSION_TOKEN, PASSWORD])).toEqual([]);
  });

  it('prefers the request keys to the environment', async () => {
    const from = fake.calls.length;
    const r = await check(
      { aws_access_key_id: SESSION_KEY, aws_secret_access_key: SESSION_SECRET, aws_session_token: SESSION_TOKEN },
      { AWS_ACCESS_KEY_ID: ENV_KEY, AWS_SECRET_ACCESS_KEY: ENV_SECRET },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(signersSince(from)).toEqual([`GetAuthorizationToken key:${SESSION_KEY} token`]);
  });
});
