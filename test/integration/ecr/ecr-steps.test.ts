import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSampleImage } from '../../../src/main/demo/sample-image';
import { startFakeAws, type FakeAws } from '../support/fake-aws';
import { startRegistry, type RunningRegistry } from '../support/registry-server';
import { runBin } from '../support/run-bin';
import { awsRunOptions, expectNoSecret } from './aws-test-env';

const ROLE_A = 'arn:aws:iam::111111111111:role/roleA';
const ROLE_B = 'arn:aws:iam::222222222222:role/roleB';
const KEY_ID = 'AKIDSTATICECR0001';
const SECRET = 'static-secret-for-the-ecr-chain';
const PASSWORD = `ecr-password-${process.pid}`;

let registry: RunningRegistry;
let fake: FakeAws;
let work: string;

beforeAll(async () => {
  registry = await startRegistry({ tls: true, auth: { htpasswd: { users: { AWS: PASSWORD } } } });
  fake = await startFakeAws({
    keys: { [KEY_ID]: { secret: SECRET } },
    // B trusts only A's sessions: a token signed by anything but the chain fails.
    roles: { [ROLE_A]: { trustedBy: [KEY_ID] }, [ROLE_B]: { trustedBy: [ROLE_A] } },
    ecr: { password: PASSWORD, proxyEndpoint: registry.url },
  });
  work = await mkdtemp(join(tmpdir(), 'ri-ecr-'));
}, 60_000);

afterAll(async () => {
  await fake?.stop();
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function source(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    repository: 'team/app',
    aws_region: 'eu-west-3',
    aws_access_key_id: KEY_ID,
    aws_secret_access_key: SECRET,
    aws_role_arns: [ROLE_A, ROLE_B],
    ca_certs: [registry.caPem],
    debug: true,
    ...extra,
  };
}

/** Who signed each call since `from`: the chain's proof. */
function chainSince(from: number): string[] {
  return fake.calls
    .slice(from)
    .map(
      (c) =>
        `${c.action} ${c.roleArn ?? '-'} signed-by ${c.principal ?? '?'} ${c.withSessionToken ? 'token' : 'no-token'} ${c.region ?? '?'} ${c.outcome}`,
    );
}

const EXPECTED_CHAIN = [
  `AssumeRole ${ROLE_A} signed-by key:${KEY_ID} no-token eu-west-3 ok`,
  `AssumeRole ${ROLE_B} signed-by role:${ROLE_A} token eu-west-3 ok`,
  `GetAuthorizationToken - signed-by role:${ROLE_B} token eu-west-3 ok`,
];

describe('ECR: static keys → role A → role B → GetAuthorizationToken, against the real registry', () => {
  let digest: string;
  const rewritten = (): string => `${registry.host}/team/app`;
  const secrets = (): string[] => [SECRET, KEY_ID, PASSWORD, ...fake.issuedSecrets()];

  it('put pushes to the proxy endpoint host and reports the rewritten repository', async () => {
    const dir = join(work, 'put');
    await mkdir(dir, { recursive: true });
    await buildSampleImage(dir, { version: '1.0.0', message: 'pushed through ECR' });
    const from = fake.calls.length;
    const r = await runBin(
      'out',
      { source: source(), params: { image: 'image/image.tar', version: '1.0.0' } },
      awsRunOptions(fake, {}, [dir]),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(chainSince(from)).toEqual(EXPECTED_CHAIN);
    expect(fake.calls.slice(from, from + 2).map((c) => c.roleSessionName)).toEqual([
      'concourse-registry-image',
      'concourse-registry-image',
    ]);
    const response = r.json as {
      version: { tag: string; digest: string };
      metadata: { name: string; value: string }[];
    };
    expect(response.version.tag).toBe('1.0.0');
    expect(response.metadata).toContainEqual({ name: 'repository', value: rewritten() });
    digest = response.version.digest;
    expect(r.stderr).not.toContain('NodeVersionSupportWarning');
    expect(expectNoSecret(r.stdout + r.stderr, secrets())).toEqual([]);
  });

  it('check lists the pushed tag', async () => {
    const from = fake.calls.length;
    const r = await runBin('check', { source: source({ tag: '1.0.0' }) }, awsRunOptions(fake));
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual([{ tag: '1.0.0', digest }]);
    expect(chainSince(from)).toEqual(EXPECTED_CHAIN);
    expect(r.stderr).not.toContain('NodeVersionSupportWarning');
    expect(expectNoSecret(r.stdout + r.stderr, secrets())).toEqual([]);
  });

  it('get fetches it and writes the rewritten name into the repository file', async () => {
    const dest = join(work, 'get');
    const r = await runBin(
      'in',
      { source: source({ tag: '1.0.0' }), version: { tag: '1.0.0', digest }, params: {} },
      awsRunOptions(fake, {}, [dest]),
    );
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(join(dest, 'repository'), 'utf8')).trim()).toBe(rewritten());
    expect(await readFile(join(dest, 'rootfs/app/message.txt'), 'utf8')).toBe('pushed through ECR\n');
    expect((r.json as { metadata: unknown[] }).metadata).toContainEqual({ name: 'repository', value: rewritten() });
    expect(expectNoSecret(r.stdout + r.stderr, secrets())).toEqual([]);
  });

  it('takes a single aws_role_arn, and warns once that aws_ecr_registry_id is not needed', async () => {
    const from = fake.calls.length;
    const r = await runBin(
      'check',
      {
        source: source({
          tag: '1.0.0',
          aws_role_arns: undefined,
          aws_role_arn: ROLE_A,
          aws_ecr_registry_id: '111111111111',
          debug: false,
        }),
      },
      awsRunOptions(fake),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(chainSince(from)).toEqual([
      `AssumeRole ${ROLE_A} signed-by key:${KEY_ID} no-token eu-west-3 ok`,
      `GetAuthorizationToken - signed-by role:${ROLE_A} token eu-west-3 ok`,
    ]);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^WARNING: aws_ecr_registry_id is no longer needed/),
    ]);
  });

  it('params of get override the source field by field (region and roles for the step)', async () => {
    const from = fake.calls.length;
    const dest = join(work, 'get-params');
    const r = await runBin(
      'in',
      {
        source: source({ aws_region: 'us-east-1' }),
        version: { tag: '1.0.0', digest },
        params: { aws_region: 'ap-south-1', aws_role_arn: ROLE_A, skip_download: true },
      },
      awsRunOptions(fake, {}, [dest]),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(chainSince(from)).toEqual([
      `AssumeRole ${ROLE_A} signed-by key:${KEY_ID} no-token ap-south-1 ok`,
      `GetAuthorizationToken - signed-by role:${ROLE_A} token ap-south-1 ok`,
    ]);
  });
});
