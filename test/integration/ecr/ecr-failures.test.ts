import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from '../support/fake-aws';
import { runBin, type RunBinResult } from '../support/run-bin';
import { awsRunOptions, expectNoSecret } from './aws-test-env';

const ROLE_A = 'arn:aws:iam::111111111111:role/roleA';
const ROLE_B = 'arn:aws:iam::222222222222:role/roleB';
const KEY_ID = 'AKIDFAILURES00001';
const SECRET = 'the-right-secret-for-failures';
const EXPIRED_KEY = 'ASIAEXPIREDSESSION1';
const EXPIRED_SECRET = 'secret-of-an-expired-session';
const EXPIRED_TOKEN = 'expired-session-token-0001';
const WRONG_SECRET = 'a-wrong-secret-never-printed';
const PASSWORD = 'ecr-password-never-printed';

let fake: FakeAws;
let malformed: FakeAws;

beforeAll(async () => {
  const common = {
    keys: {
      [KEY_ID]: { secret: SECRET },
      [EXPIRED_KEY]: { secret: EXPIRED_SECRET, sessionToken: EXPIRED_TOKEN, expired: true },
    },
    // Role B trusts nobody: assuming it from role A is refused.
    roles: { [ROLE_A]: {}, [ROLE_B]: { trustedBy: [] } },
  };
  fake = await startFakeAws({ ...common, ecr: { password: PASSWORD, proxyEndpoint: 'https://127.0.0.1:9' } });
  malformed = await startFakeAws({
    ...common,
    ecr: { password: PASSWORD, proxyEndpoint: 'https://127.0.0.1:9', authorizationToken: 'bm90LWEtY29sb24tcGFpcg==' },
  });
});

afterAll(async () => {
  await fake?.stop();
  await malformed?.stop();
});

const SECRETS = [SECRET, KEY_ID, WRONG_SECRET, EXPIRED_SECRET, EXPIRED_TOKEN, PASSWORD];

function source(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    repository: 'team/app',
    aws_region: 'eu-central-1',
    aws_access_key_id: KEY_ID,
    aws_secret_access_key: SECRET,
    debug: true,
    ...extra,
  };
}

/** Exit 1, nothing on stdout, one error line (debug lines aside), and no secret anywhere. */
function failureLine(r: RunBinResult, against: FakeAws = fake): string {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('DEBUG: '));
  expect(lines, r.stderr).toHaveLength(1);
  expect(expectNoSecret(r.stdout + r.stderr, [...SECRETS, ...against.issuedSecrets()])).toEqual([]);
  expect(r.stderr).not.toContain('NodeVersionSupportWarning');
  return lines[0] ?? '';
}

describe('ECR failures: one line naming the step that failed, exit 1, no secret', () => {
  it('a wrong secret: the first role cannot be assumed (SignatureDoesNotMatch)', async () => {
    const r = await runBin(
      'check',
      { source: source({ aws_secret_access_key: WRONG_SECRET, aws_role_arns: [ROLE_A, ROLE_B] }) },
      awsRunOptions(fake),
    );
    expect(failureLine(r)).toMatch(
      new RegExp(
        `^check: ECR login for team/app \\(eu-central-1\\): could not assume role ${ROLE_A}: SignatureDoesNotMatch: The request signature we calculated does not match .*\\(HTTP 403\\)$`,
      ),
    );
  });

  it('a wrong secret without roles: the token request fails (InvalidSignatureException)', async () => {
    const r = await runBin('check', { source: source({ aws_secret_access_key: WRONG_SECRET }) }, awsRunOptions(fake));
    expect(failureLine(r)).toMatch(
      /^check: ECR login for team\/app \(eu-central-1\): GetAuthorizationToken failed: InvalidSignatureException: .*\(HTTP 403\)$/,
    );
  });

  it('role B refused after role A: names role B and AccessDenied', async () => {
    const from = fake.calls.length;
    const r = await runBin('check', { source: source({ aws_role_arns: [ROLE_A, ROLE_B] }) }, awsRunOptions(fake));
    const line = failureLine(r);
    expect(line).toContain(`could not assume role ${ROLE_B}: AccessDenied: `);
    expect(line).toMatch(/\(HTTP 403\)$/);
    expect(fake.calls.slice(from).map((c) => `${c.action} ${c.roleArn ?? '-'} ${c.outcome}`)).toEqual([
      `AssumeRole ${ROLE_A} ok`,
      `AssumeRole ${ROLE_B} AccessDenied`,
    ]);
  });

  it('an expired session token (ExpiredToken)', async () => {
    const r = await runBin(
      'check',
      {
        source: source({
          aws_access_key_id: EXPIRED_KEY,
          aws_secret_access_key: EXPIRED_SECRET,
          aws_session_token: EXPIRED_TOKEN,
          aws_role_arn: ROLE_A,
        }),
      },
      awsRunOptions(fake),
    );
    expect(failureLine(r)).toContain(
      `could not assume role ${ROLE_A}: ExpiredToken: The security token included in the request is expired`,
    );
  });

  it('aws_role_arn and aws_role_arns together, before any AWS call', async () => {
    const from = fake.calls.length;
    const r = await runBin(
      'check',
      { source: source({ aws_role_arn: ROLE_A, aws_role_arns: [ROLE_B] }) },
      awsRunOptions(fake),
    );
    expect(failureLine(r)).toBe(
      'check: source.aws_role_arn and source.aws_role_arns cannot be set together: use aws_role_arns for a chain of roles',
    );
    expect(fake.calls.length).toBe(from);
  });

  it('a token that is not base64 of "AWS:<password>"', async () => {
    const r = await runBin('check', { source: source() }, awsRunOptions(malformed));
    expect(failureLine(r, malformed)).toBe(
      'check: ECR login for team/app (eu-central-1): GetAuthorizationToken failed: the authorization token is missing or malformed (expected base64 of "AWS:<password>")',
    );
  });

  it('no credentials anywhere: the default chain says so', async () => {
    const r = await runBin(
      'check',
      { source: source({ aws_access_key_id: undefined, aws_secret_access_key: undefined }) },
      awsRunOptions(fake),
    );
    expect(failureLine(r)).toMatch(
      /^check: ECR login for team\/app \(eu-central-1\): could not get AWS credentials from the default chain: CredentialsProviderError: /,
    );
  });

  it('an AWS endpoint that is down', async () => {
    const port = await closedPort();
    const down = `http://127.0.0.1:${port}`;
    const r = await runBin(
      'in',
      { source: source(), version: { digest: `sha256:${'0'.repeat(64)}` }, params: {} },
      awsRunOptions(fake, { AWS_ENDPOINT_URL_ECR: down }, ['/tmp/never-written-by-ecr-test']),
    );
    expect(failureLine(r)).toMatch(
      new RegExp(
        `^in: ECR login for team/app \\(eu-central-1\\): GetAuthorizationToken failed: .*ECONNREFUSED 127\\.0\\.0\\.1:${port}`,
      ),
    );
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
