/**
 * The AWS SDK's own calls (STS AssumeRole / AssumeRoleWithWebIdentity, ECR GetAuthorizationToken)
 * go through HTTPS_PROXY unless NO_PROXY covers their endpoint, as the Go resource's SDK does.
 *
 * The endpoints are addressed as `https://0.0.0.0:PORT`, names Go's rule does not exempt as
 * loopback: one TLS front (test CA, certificate valid for 0.0.0.0) per endpoint, in front of the
 * fake AWS. Through the proxy, its route table sends each CONNECT to the front; without it, Linux
 * connects 0.0.0.0 over loopback, so NO_PROXY can be shown to bypass the proxy without any
 * traffic leaving 127.0.0.1. NODE_EXTRA_CA_CERTS makes the SDK trust the test CA.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startImpersonatedHost, type ImpersonatedHost } from '../proxy/impersonated-host';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy';
import { startFakeAws, type FakeAws } from '../support/fake-aws';
import { pushImage, randomImage } from '../support/image-fixtures';
import { startRegistry, type RunningRegistry } from '../support/registry-server';
import { runBin, type RunBinResult } from '../support/run-bin';
import { awsRunOptions, expectNoSecret } from './aws-test-env';

const ROLE = 'arn:aws:iam::111111111111:role/behind-proxy';
const WEB_ROLE = 'arn:aws:iam::333333333333:role/eks-web-identity';
const WEB_TOKEN = `web-identity-token-${process.pid}`;
const KEY_ID = 'AKIDSDKPROXY00001';
const SECRET = 'secret-for-the-proxied-sdk';
const PASSWORD = `ecr-proxied-${process.pid}`;
const PROXY_USER = 'carol';
const PROXY_PASSWORD = 'proxy-pw-aws-9q2';

let work: string;
let registry: RunningRegistry;
let fake: FakeAws;
let stsFront: ImpersonatedHost;
let ecrFront: ImpersonatedHost;
let proxy: ConnectProxy;
let digest: string;

const stsTarget = (): string => `0.0.0.0:${stsFront.port}`;
const ecrTarget = (): string => `0.0.0.0:${ecrFront.port}`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ri-ecr-sdk-proxy-'));
  registry = await startRegistry({ tls: true, auth: { htpasswd: { users: { AWS: PASSWORD } } } });
  digest = await pushImage(registry, 'team/app', 'v1', randomImage('ecr-sdk-proxy'));
  fake = await startFakeAws({
    keys: { [KEY_ID]: { secret: SECRET } },
    roles: { [ROLE]: { trustedBy: [KEY_ID] } },
    webIdentity: { token: WEB_TOKEN, roleArn: WEB_ROLE },
    ecr: { password: PASSWORD, proxyEndpoint: registry.url },
  });
  stsFront = await startImpersonatedHost(fake.port);
  ecrFront = await startImpersonatedHost(fake.port);
  proxy = await startConnectProxy({
    credentials: { username: PROXY_USER, password: PROXY_PASSWORD },
    routes: {
      [stsTarget()]: `127.0.0.1:${stsFront.port}`,
      [ecrTarget()]: `127.0.0.1:${ecrFront.port}`,
    },
  });
  await writeFile(join(work, 'ca.pem'), stsFront.caPem);
  await writeFile(join(work, 'web-identity-token'), WEB_TOKEN);
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await stsFront?.stop();
  await ecrFront?.stop();
  await fake?.stop();
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

beforeEach(() => {
  proxy.log.length = 0;
});

function source(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    repository: 'team/app',
    tag: 'v1',
    aws_region: 'eu-central-1',
    aws_access_key_id: KEY_ID,
    aws_secret_access_key: SECRET,
    aws_role_arn: ROLE,
    ca_certs: [registry.caPem],
    debug: true,
    ...extra,
  };
}

/** The fake behind TLS fronts at 0.0.0.0, the proxy (with credentials), and nothing inherited. */
function env(vars: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_STS: `https://${stsTarget()}`,
    AWS_ENDPOINT_URL_ECR: `https://${ecrTarget()}`,
    NODE_EXTRA_CA_CERTS: join(work, 'ca.pem'),
    HTTPS_PROXY: proxy.urlWith(PROXY_USER, PROXY_PASSWORD),
    ...vars,
  };
}

function outcomesSince(from: number): string[] {
  return fake.calls.slice(from).map((c) => `${c.action} ${c.outcome}`);
}

function expectNothingSecret(r: RunBinResult): void {
  const output = `${r.stdout}\n${r.stderr}`;
  expect(expectNoSecret(output, [PROXY_PASSWORD, SECRET, PASSWORD, WEB_TOKEN, ...fake.issuedSecrets()])).toEqual([]);
}

describe('ECR: the AWS SDK honours HTTPS_PROXY / NO_PROXY', () => {
  it('check assumes the role and gets the token through the proxy, tunnelling to each endpoint', async () => {
    const from = fake.calls.length;
    const r = await runBin('check', { source: source() }, awsRunOptions(fake, env()));
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual([{ tag: 'v1', digest }]);
    expect(outcomesSince(from)).toEqual(['AssumeRole ok', 'GetAuthorizationToken ok']);
    expect(proxy.count({ method: 'CONNECT', target: stsTarget(), status: 200 })).toBe(1);
    expect(proxy.count({ method: 'CONNECT', target: ecrTarget(), status: 200 })).toBe(1);
    // The proxy's credentials were sent, and the registry (loopback) was reached directly.
    expect(proxy.log.every((e) => e.user === PROXY_USER)).toBe(true);
    expect(proxy.log).toHaveLength(2);
    expectNothingSecret(r);
  });

  it('the default chain exchanges a web identity token with STS through the proxy', async () => {
    const from = fake.calls.length;
    const keyless = source({ aws_access_key_id: undefined, aws_secret_access_key: undefined, aws_role_arn: undefined });
    const r = await runBin(
      'check',
      { source: keyless },
      awsRunOptions(
        fake,
        env({ AWS_WEB_IDENTITY_TOKEN_FILE: join(work, 'web-identity-token'), AWS_ROLE_ARN: WEB_ROLE }),
      ),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(outcomesSince(from)).toEqual(['AssumeRoleWithWebIdentity ok', 'GetAuthorizationToken ok']);
    expect(proxy.count({ method: 'CONNECT', target: stsTarget(), status: 200 })).toBe(1);
    expect(proxy.count({ method: 'CONNECT', target: ecrTarget(), status: 200 })).toBe(1);
    expectNothingSecret(r);
  });

  it('NO_PROXY covering the endpoints sends no CONNECT; covering one host:port bypasses only it', async () => {
    const all = await runBin('check', { source: source() }, awsRunOptions(fake, env({ NO_PROXY: '0.0.0.0' })));
    expect(all.code, all.stderr).toBe(0);
    expect(proxy.log).toEqual([]);
    expect(stsFront.connections()).toBeGreaterThan(0);

    const onlySts = await runBin('check', { source: source() }, awsRunOptions(fake, env({ NO_PROXY: stsTarget() })));
    expect(onlySts.code, onlySts.stderr).toBe(0);
    expect(proxy.log.map((e) => `${e.method} ${e.target} ${e.status}`)).toEqual([`CONNECT ${ecrTarget()} 200`]);
  });

  it('a proxy that refuses the credentials fails the login with one line naming the proxy, not its password', async () => {
    const r = await runBin(
      'check',
      { source: source() },
      awsRunOptions(fake, env({ HTTPS_PROXY: proxy.urlWith(PROXY_USER, 'wrong-password') })),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`could not assume role ${ROLE}`);
    expect(r.stderr).toContain('407');
    expect(r.stderr).not.toContain('wrong-password');
    expect(proxy.count({ method: 'CONNECT', target: stsTarget(), status: 407 })).toBeGreaterThan(0);
  });
});
