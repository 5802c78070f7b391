/**
 * The real `notary` CLI (0.7), as a repository owner would run it: create a docker-style
 * collection (root and targets keys local, snapshot key held by the server), add a delegation,
 * and read back what the resource signed (`lookup`, `list`, `verify`).
 *
 *   notaryCli(server, trustDir, args, { auth?, input? }) → Promise<{ stdout, stderr }>
 *   initCollection(server, gun, { auth?, localSnapshotKey? }) → Promise<Collection{ trustDir, targetsKeyPem, targetsKeyId }>
 *   addDelegation(server, collection, gun, role?) → Promise<{ keyPem, keyId }>
 *
 * Passphrases go through NOTARY_*_PASSPHRASE; token credentials through NOTARY_AUTH.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningNotary } from './notary-server';

export const PASSPHRASES = {
  root: 'root-pass-123',
  targets: 'targets-pass-456',
  snapshot: 'snapshot-pass-789',
  delegation: 'delegation-pass-012',
};

export interface CliAuth {
  username: string;
  password: string;
}

export interface Collection {
  trustDir: string;
  targetsKeyPem: string;
  targetsKeyId: string;
}

export function notaryCli(
  server: RunningNotary,
  trustDir: string,
  args: string[],
  options: { auth?: CliAuth; input?: Buffer } = {},
): Promise<{ stdout: string; stderr: string }> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: trustDir,
    NOTARY_ROOT_PASSPHRASE: PASSPHRASES.root,
    NOTARY_TARGETS_PASSPHRASE: PASSPHRASES.targets,
    NOTARY_SNAPSHOT_PASSPHRASE: PASSPHRASES.snapshot,
    NOTARY_DELEGATION_PASSPHRASE: PASSPHRASES.delegation,
    ...(options.auth
      ? { NOTARY_AUTH: Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64') }
      : {}),
  };
  const global = ['-s', server.url, '-d', trustDir, ...(server.caCertPath ? ['--tlscacert', server.caCertPath] : [])];
  return new Promise((resolve, reject) => {
    const child = execFile(
      '/usr/bin/notary',
      [...global, ...args],
      { env, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`notary ${args.join(' ')} failed: ${stderr.trim() || stdout.trim() || error.message}`));
        else resolve({ stdout, stderr });
      },
    );
    child.stdin?.end(options.input);
  });
}

/** `notary init GUN -p` then `notary key rotate GUN snapshot -r`: what `docker trust` sets up. */
export async function initCollection(
  server: RunningNotary,
  gun: string,
  options: { auth?: CliAuth; localSnapshotKey?: boolean } = {},
): Promise<Collection> {
  const trustDir = mkdtempSync(join(tmpdir(), 'ri-notary-trust-'));
  const cli = options.auth ? { auth: options.auth } : {};
  await notaryCli(server, trustDir, ['init', gun, '-p'], cli);
  if (!options.localSnapshotKey) await notaryCli(server, trustDir, ['key', 'rotate', gun, 'snapshot', '-r'], cli);
  const privateDir = join(trustDir, 'private');
  for (const file of readdirSync(privateDir)) {
    const pem = readFileSync(join(privateDir, file), 'utf8');
    if (/^role: targets$/m.test(pem) && pem.includes(`gun: ${gun}`)) {
      return { trustDir, targetsKeyPem: pem, targetsKeyId: file.replace(/\.key$/, '') };
    }
  }
  throw new Error(`notary init ${gun}: no targets key in ${privateDir}`);
}

/** `notary key generate` + `notary delegation add … --all-paths -p`, as `docker trust signer add` does. */
export async function addDelegation(
  server: RunningNotary,
  collection: Collection,
  gun: string,
  role = 'targets/releases',
  options: { auth?: CliAuth } = {},
): Promise<{ keyPem: string; keyId: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ri-notary-deleg-'));
  const name = role.slice(role.lastIndexOf('/') + 1);
  await new Promise<void>((resolve, reject) => {
    execFile(
      '/usr/bin/notary',
      ['-d', collection.trustDir, 'key', 'generate', 'ecdsa', '--role', name, '-o', join(dir, 'deleg')],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: dir,
          NOTARY_DELEGATION_PASSPHRASE: PASSPHRASES.delegation,
        },
      },
      (error, _stdout, stderr) => (error ? reject(new Error(`notary key generate: ${stderr}`)) : resolve()),
    );
  });
  const { stdout } = await notaryCli(
    server,
    collection.trustDir,
    ['delegation', 'add', gun, role, join(dir, 'deleg.pem'), '--all-paths', '-p'],
    options,
  );
  const keyId = /with keys \[([0-9a-f]{64})\]/.exec(stdout)?.[1];
  if (!keyId) throw new Error(`notary delegation add: no key ID in: ${stdout}`);
  return { keyPem: readFileSync(join(dir, 'deleg-key.pem'), 'utf8'), keyId };
}

/** `notary lookup GUN TAG` from a fresh trust directory: `TAG sha256:<hex> <length>`. */
export async function lookup(server: RunningNotary, gun: string, tag: string, auth?: CliAuth): Promise<string> {
  const fresh = mkdtempSync(join(tmpdir(), 'ri-notary-reader-'));
  return (await notaryCli(server, fresh, ['lookup', gun, tag], auth ? { auth } : {})).stdout.trim();
}
