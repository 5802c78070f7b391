/**
 * Test PKI, generated with `openssl` once and kept in $TMPDIR/registry-image-test-pki-<uid>-v1
 * (reused by every worker and run; delete the dir to regenerate). Test-only keys, no secrets.
 *
 *   getTestPki(): Promise<TestPki>
 *
 * - CA (P-256) `caPem` / `caCertPath`
 * - server cert for IP:127.0.0.1 + DNS:localhost (`serverCertPath`, `serverKeyPath`)
 * - client cert for mTLS (`clientCertPem`, `clientKeyPem`, paths)
 * - RSA-2048 token-signing pair (`tokenKeyPem` PKCS#8, `tokenCertPath` self-signed cert): the
 *   registry's `auth.token.rootcertbundle` and the token server's signing key.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPki {
  dir: string;
  caPem: string;
  caCertPath: string;
  serverCertPath: string;
  serverKeyPath: string;
  serverCertPem: string;
  serverKeyPem: string;
  clientCertPath: string;
  clientKeyPath: string;
  clientCertPem: string;
  clientKeyPem: string;
  tokenKeyPath: string;
  tokenKeyPem: string;
  tokenCertPath: string;
  tokenCertPem: string;
}

let cached: Promise<TestPki> | undefined;

export function getTestPki(): Promise<TestPki> {
  cached ??= generate().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd: dir });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`test PKI: openssl ${args[0] ?? ''} failed: ${stderr.trim() || String(error)}`);
  }
}

const FILES = ['ca.pem', 'server.pem', 'server.key', 'client.pem', 'client.key', 'token.key', 'token.pem'];

async function generate(): Promise<TestPki> {
  // One PKI per machine user, reused across runs and workers: vitest may end workers without an
  // 'exit' event, so per-process temp dirs would pile up. Built aside, then renamed into place.
  const uid = process.getuid?.() ?? 0;
  const finalDir = join(tmpdir(), `registry-image-test-pki-${uid}-v1`);
  if (FILES.every((f) => existsSync(join(finalDir, f)))) return load(finalDir);
  const dir = mkdtempSync(join(tmpdir(), 'ri-pki-'));
  try {
    await makeFiles(dir);
    try {
      renameSync(dir, finalDir);
    } catch {
      // another worker won the race; its PKI is as good as ours
      rmSync(dir, { recursive: true, force: true });
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return load(finalDir);
}

async function makeFiles(dir: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

  await openssl(dir, [
    'req',
    '-x509',
    '-new',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '3650',
    '-subj',
    '/CN=registry-image test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\nbasicConstraints=CA:FALSE\n',
  );
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');

  // Server, client and token keys are independent of each other: make them in parallel.
  await Promise.all([
    (async () => {
      await openssl(dir, [
        'req',
        '-new',
        ...ec,
        '-keyout',
        'server.key',
        '-out',
        'server.csr',
        '-subj',
        '/CN=127.0.0.1',
      ]);
      await openssl(dir, [
        'x509',
        '-req',
        '-in',
        'server.csr',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-set_serial',
        '2',
        '-out',
        'server.pem',
        '-days',
        '825',
        '-extfile',
        'server.ext',
      ]);
    })(),
    (async () => {
      await openssl(dir, [
        'req',
        '-new',
        ...ec,
        '-keyout',
        'client.key',
        '-out',
        'client.csr',
        '-subj',
        '/CN=test-client',
      ]);
      await openssl(dir, [
        'x509',
        '-req',
        '-in',
        'client.csr',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-set_serial',
        '3',
        '-out',
        'client.pem',
        '-days',
        '825',
        '-extfile',
        'client.ext',
      ]);
    })(),
    openssl(dir, [
      'req',
      '-x509',
      '-new',
      '-nodes',
      '-newkey',
      'rsa:2048',
      '-keyout',
      'token.key',
      '-out',
      'token.pem',
      '-days',
      '3650',
      '-subj',
      '/CN=token-issuer',
    ]),
  ]);

  for (const f of ['ca.key', 'ca.srl', 'server.csr', 'client.csr', 'server.ext', 'client.ext'])
    rmSync(join(dir, f), { force: true });
}

function load(dir: string): TestPki {
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  return {
    dir,
    caPem: read('ca.pem'),
    caCertPath: join(dir, 'ca.pem'),
    serverCertPath: join(dir, 'server.pem'),
    serverKeyPath: join(dir, 'server.key'),
    serverCertPem: read('server.pem'),
    serverKeyPem: read('server.key'),
    clientCertPath: join(dir, 'client.pem'),
    clientKeyPath: join(dir, 'client.key'),
    clientCertPem: read('client.pem'),
    clientKeyPem: read('client.key'),
    tokenKeyPath: join(dir, 'token.key'),
    tokenKeyPem: read('token.key'),
    tokenCertPath: join(dir, 'token.pem'),
    tokenCertPem: read('token.pem'),
  };
}
