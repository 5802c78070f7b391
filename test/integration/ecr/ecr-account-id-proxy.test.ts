/**
 * `aws_account_id` names `ACCOUNT.dkr.ecr.REGION.amazonaws.com`, a public host. The test reaches
 * it as a worker behind a proxy would: HTTPS_PROXY is a loopback CONNECT proxy whose route table
 * sends that host:443 to a local TLS relay with a certificate for the ECR host (from a CA of this
 * test's own), in front of the real docker-registry. NO_PROXY keeps the fake AWS endpoints direct.
 *
 * Needs the registry client to honour HTTPS_PROXY/NO_PROXY. A child-process DNS guard refuses any
 * lookup of a non-loopback name, so a client that ignores the proxy fails here instead of asking
 * the network about amazonaws.com.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy';
import { startFakeAws, type FakeAws } from '../support/fake-aws';
import { pushImage, randomImage } from '../support/image-fixtures';
import { startRegistry, type RunningRegistry } from '../support/registry-server';
import { runBin } from '../support/run-bin';
import { awsRunOptions } from './aws-test-env';

const exec = promisify(execFile);
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const ECR_HOST = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
const KEY_ID = 'AKIDACCOUNTIDPROXY1';
const SECRET = 'secret-for-the-account-id-form';
const PASSWORD = `ecr-account-${process.pid}`;

/** Loaded into the resource's process with --require: only loopback names resolve. */
const DNS_GUARD = `
const dns = require('node:dns');
const lookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, options, callback) {
  const done = typeof options === 'function' ? options : callback;
  if (!/^(localhost|127\\.\\d+\\.\\d+\\.\\d+|::1|\\[::1\\])$/.test(hostname)) {
    const error = Object.assign(new Error('getaddrinfo ENOTFOUND ' + hostname + ' (test: no DNS beyond loopback)'), { code: 'ENOTFOUND', hostname });
    process.nextTick(() => done(error));
    return {};
  }
  return lookup.apply(this, arguments);
};
`;

let work: string;
let caPem: string;
let registry: RunningRegistry;
let relay: tls.Server;
let proxy: ConnectProxy;
let fake: FakeAws;
let digest: string;

/** A CA and a server certificate for the ECR host, made here (the shared test CA keeps no key). */
async function ecrHostCertificate(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const openssl = (args: string[]) => exec('openssl', args, { cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await openssl(
    ['req', '-x509', '-new', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30'].concat([
      '-subj',
      '/CN=registry-image ECR test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]),
  );
  await writeFile(
    join(dir, 'server.ext'),
    `subjectAltName=DNS:${ECR_HOST}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`,
  );
  await openssl(['req', '-new', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${ECR_HOST}`]);
  await openssl(
    ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '2'].concat([
      '-out',
      'server.pem',
      '-days',
      '30',
      '-extfile',
      'server.ext',
    ]),
  );
  const read = (f: string) => readFile(join(dir, f), 'utf8');
  return { ca: await read('ca.pem'), cert: await read('server.pem'), key: await read('server.key') };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ri-ecr-account-'));
  const certificate = await ecrHostCertificate(work);
  caPem = certificate.ca;
  await writeFile(join(work, 'dns-guard.cjs'), DNS_GUARD);
  registry = await startRegistry({ tls: true, auth: { htpasswd: { users: { AWS: PASSWORD } } } });
  digest = await pushImage(registry, 'team/app', 'v1', randomImage('ecr-account-id'));
  // TLS as the ECR host outside, the registry's own TLS inside.
  relay = tls.createServer({ cert: certificate.cert, key: certificate.key }, (client) => {
    const upstream = tls.connect({ host: '127.0.0.1', port: registry.port, ca: registry.caPem });
    client.pipe(upstream).pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const relayPort = (relay.address() as AddressInfo).port;
  proxy = await startConnectProxy({ routes: { [`${ECR_HOST}:443`]: `127.0.0.1:${relayPort}` } });
  fake = await startFakeAws({
    keys: { [KEY_ID]: { secret: SECRET } },
    ecr: { password: PASSWORD, proxyEndpoint: `https://${ECR_HOST}` },
  });
}, 60_000);

afterAll(async () => {
  await fake?.stop();
  await proxy?.stop();
  await new Promise<void>((resolve) => (relay ? relay.close(() => resolve()) : resolve()));
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function source(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    repository: 'team/app',
    tag: 'v1',
    aws_region: REGION,
    aws_account_id: ACCOUNT,
    aws_access_key_id: KEY_ID,
    aws_secret_access_key: SECRET,
    ca_certs: [caPem],
    ...extra,
  };
}

const proxyEnv = (): Record<string, string> => ({
  HTTPS_PROXY: proxy.url,
  NO_PROXY: '127.0.0.1',
  NODE_OPTIONS: `--require ${join(work, 'dns-guard.cjs')}`,
});

describe('ECR with aws_account_id: ACCOUNT.dkr.ecr.REGION.amazonaws.com through HTTPS_PROXY', () => {
  it('check reaches the account registry through the proxy', async () => {
    const r = await runBin('check', { source: source() }, awsRunOptions(fake, proxyEnv()));
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual([{ tag: 'v1', digest }]);
    expect(proxy.count({ method: 'CONNECT', target: `${ECR_HOST}:443`, status: 200 })).toBeGreaterThan(0);
    expect(fake.calls.map((c) => `${c.action} ${c.outcome}`)).toContain('GetAuthorizationToken ok');
  });

  it('get writes the account registry name into the repository file and metadata', async () => {
    const dest = join(work, 'get');
    const r = await runBin(
      'in',
      { source: source(), version: { tag: 'v1', digest }, params: { skip_download: true } },
      awsRunOptions(fake, proxyEnv(), [dest]),
    );
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(join(dest, 'repository'), 'utf8')).trim()).toBe(`${ECR_HOST}/team/app`);
    expect((r.json as { metadata: unknown[] }).metadata).toContainEqual({
      name: 'repository',
      value: `${ECR_HOST}/team/app`,
    });
  });
});
