/**
 * An isolated environment for a child that uses Application Default Credentials: its own HOME
 * and an empty CLOUDSDK_CONFIG (no gcloud ADC file of the machine leaks in), no
 * GOOGLE_APPLICATION_CREDENTIALS unless a test sets it, and a fake `gcloud` first on PATH that
 * records every run (the resource must never run gcloud).
 *
 *   createGoogleTestEnv() → { dir, env, gcloudRuns(), remove() }   (pass env with inheritEnv: false)
 *   writeServiceAccountKey(dir, clientEmail) → { path, publicKeyPem }   (a fresh RSA key pair)
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GOOGLE_TOKEN_URL } from './fake-oauth-server';

export interface GoogleTestEnv {
  dir: string;
  env: Record<string, string>;
  /** Command lines the fake gcloud was run with. */
  gcloudRuns(): string[];
  remove(): void;
}

export function createGoogleTestEnv(): GoogleTestEnv {
  const dir = mkdtempSync(join(tmpdir(), 'ri-google-'));
  for (const sub of ['home', 'gcloud-config', 'bin']) mkdirSync(join(dir, sub));
  const log = join(dir, 'gcloud-runs.log');
  const gcloud = join(dir, 'bin', 'gcloud');
  writeFileSync(gcloud, `#!/bin/sh\necho "gcloud $*" >> '${log}'\nexit 1\n`);
  chmodSync(gcloud, 0o755);
  return {
    dir,
    env: {
      PATH: `${join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: join(dir, 'home'),
      CLOUDSDK_CONFIG: join(dir, 'gcloud-config'),
    },
    gcloudRuns: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
        : [],
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function writeServiceAccountKey(dir: string, clientEmail: string): { path: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const path = join(dir, `key-${Math.random().toString(36).slice(2)}.json`);
  const key = {
    type: 'service_account',
    project_id: 'test-project',
    private_key_id: 'test-key-1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: clientEmail,
    client_id: '100000000000000000001',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: GOOGLE_TOKEN_URL,
    universe_domain: 'googleapis.com',
  };
  writeFileSync(path, JSON.stringify(key, null, 2));
  return { path, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}
