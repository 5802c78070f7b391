/**
 * A test CA of its own and a server certificate for `oauth2.googleapis.com`, so a local HTTPS
 * fake can stand in for Google's token endpoint (trusted by the child through NODE_EXTRA_CA_CERTS).
 * The shared test PKI (support/pki.ts) only signs 127.0.0.1/localhost and keeps no CA key.
 * Made with openssl once per machine user and reused, like support/pki.ts.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GooglePki {
  caCertPath: string;
  serverCertPem: string;
  serverKeyPem: string;
}

const FILES = ['ca.pem', 'server.pem', 'server.key'];
let cached: Promise<GooglePki> | undefined;

export function getGooglePki(): Promise<GooglePki> {
  cached ??= generate();
  return cached;
}

async function generate(): Promise<GooglePki> {
  const finalDir = join(tmpdir(), `registry-image-test-google-pki-${process.getuid?.() ?? 0}-v1`);
  if (!FILES.every((f) => existsSync(join(finalDir, f)))) {
    const dir = mkdtempSync(join(tmpdir(), 'ri-google-pki-'));
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    const openssl = (args: string[]) => run('openssl', args, { cwd: dir });
    await openssl(
      ['req', '-x509', '-new', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3650'].concat([
        '-subj',
        '/CN=registry-image Google test CA',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
      ]),
    );
    writeFileSync(
      join(dir, 'server.ext'),
      'subjectAltName=DNS:oauth2.googleapis.com\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
    );
    await openssl([
      'req',
      '-new',
      ...ec,
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=oauth2.googleapis.com',
    ]);
    await openssl(
      ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '2'].concat([
        '-out',
        'server.pem',
        '-days',
        '825',
        '-extfile',
        'server.ext',
      ]),
    );
    rmSync(join(dir, 'ca.key'));
    try {
      renameSync(dir, finalDir);
    } catch {
      rmSync(dir, { recursive: true, force: true }); // another worker made it first
    }
  }
  const read = (f: string): string => readFileSync(join(finalDir, f), 'utf8');
  return { caCertPath: join(finalDir, 'ca.pem'), serverCertPem: read('server.pem'), serverKeyPem: read('server.key') };
}
