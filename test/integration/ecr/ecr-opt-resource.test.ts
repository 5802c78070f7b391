import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from '../support/fake-aws';
import { pushImage, randomImage } from '../support/image-fixtures';
import { startRegistry, type RunningRegistry } from '../support/registry-server';
import { REPO_ROOT } from '../support/run-bin';

const exec = promisify(execFile);
const KEY_ID = 'AKIDOPTRESOURCE01';
const SECRET = 'secret-for-the-image-layout';
const ROLE = 'arn:aws:iam::555555555555:role/from-the-image';
const PASSWORD = `ecr-layout-${process.pid}`;

let work: string;
let opt: string;
/** The same bundles laid out without node_modules: a step that does not use ECR must not need the SDK. */
let bare: string;
let registry: RunningRegistry;
let fake: FakeAws;
let digest: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ri-ecr-layout-'));
  opt = join(work, 'opt/resource');
  // Outside the repository, so the SDK can only come from what layout.mjs copied.
  await exec(process.execPath, [
    join(REPO_ROOT, 'docker/layout.mjs'),
    join(REPO_ROOT, 'dist'),
    opt,
    join(REPO_ROOT, 'node_modules'),
  ]);
  bare = join(work, 'bare/resource');
  await exec(process.execPath, [join(REPO_ROOT, 'docker/layout.mjs'), join(REPO_ROOT, 'dist'), bare]);
  registry = await startRegistry({ tls: true, auth: { htpasswd: { users: { AWS: PASSWORD } } } });
  digest = await pushImage(registry, 'team/app', 'v1', randomImage('ecr-opt-resource'));
  fake = await startFakeAws({
    keys: { [KEY_ID]: { secret: SECRET } },
    roles: { [ROLE]: { trustedBy: [KEY_ID] } },
    ecr: { password: PASSWORD, proxyEndpoint: registry.url },
  });
}, 120_000);

afterAll(async () => {
  await fake?.stop();
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('ECR from /opt/resource as the image lays it out', () => {
  it('ships the SDK packages the lazy imports need', async () => {
    const sdk = await readdir(join(opt, 'node_modules/@aws-sdk'));
    expect(sdk).toEqual(expect.arrayContaining(['client-ecr', 'client-sts', 'credential-providers']));
  });

  it('logs in through a role and checks, with only PATH and the AWS settings in the environment', async () => {
    const request = {
      source: {
        repository: 'team/app',
        tag: 'v1',
        aws_region: 'us-east-2',
        aws_access_key_id: KEY_ID,
        aws_secret_access_key: SECRET,
        aws_role_arn: ROLE,
        ca_certs: [registry.caPem],
      },
    };
    const from = fake.calls.length;
    const r = await runScript(join(opt, 'check'), request);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ tag: 'v1', digest }]);
    expect(r.stderr).toBe('');
    expect(fake.calls.slice(from).map((c) => `${c.action} ${c.principal ?? '?'}`)).toEqual([
      `AssumeRole key:${KEY_ID}`,
      `GetAuthorizationToken role:${ROLE}`,
    ]);
  });
});

describe('ECR SDK loaded lazily', () => {
  it('a step without aws_region runs without the SDK installed', async () => {
    const source = { repository: `${registry.host}/team/app`, tag: 'v1', username: 'AWS', password: PASSWORD };
    const r = await runScript(join(bare, 'check'), { source: { ...source, ca_certs: [registry.caPem] } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ tag: 'v1', digest }]);
  });

  it('a step with aws_region says which SDK package is missing, in one line', async () => {
    const from = fake.calls.length;
    const r = await runScript(join(bare, 'check'), {
      source: {
        repository: 'team/app',
        aws_region: 'us-east-2',
        aws_access_key_id: KEY_ID,
        aws_secret_access_key: SECRET,
      },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^check: ECR needs @aws-sdk\/client-ecr, which cannot be loaded next to the resource: .+\n$/,
    );
    expect(fake.calls.length).toBe(from);
  });
});

/** Spawned directly, as the image runs it: only PATH and the AWS test settings in the environment. */
function runScript(script: string, request: unknown): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = {
    PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...fake.endpointEnv(),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(script, [], { env, cwd: '/', stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(JSON.stringify(request));
  });
}
