/**
 * Runs the real CNCF registry (`/usr/bin/docker-registry serve CONFIG`) on 127.0.0.1, on a free port.
 *
 *   startRegistry(options?: RegistryOptions) → Promise<RunningRegistry>
 *   withRegistry(options?) → { get(): RunningRegistry }   // registers vitest beforeAll/afterAll
 *
 * RegistryOptions:
 *   auth:  'none' (default) | { htpasswd: { users: Record<user, password>, realm? } } | { token: TokenServer }
 *   tls:   boolean | { requireClientCert: true }  (server cert from the test PKI; trust `caPem`)
 *   proxy: { remoteUrl, username?, password? }  pull-through mirror; the upstream must be up first,
 *          and the registry only logs in to a token (Bearer) upstream, never a Basic one.
 *   storage: 'filesystem' (default; under /dev/shm when present) | 'inmemory'
 *   env:   extra REGISTRY_* overrides for the process.
 *
 * RunningRegistry: { host '127.0.0.1:PORT', url 'http(s)://127.0.0.1:PORT', caPem?, username?,
 *   password?, rootDirectory?, logs(): string, stop(): Promise<void> }. `url/username/password/caPem`
 * make it directly usable as the `RegistryTarget` of image-fixtures.ts.
 *
 * Reminder: a manifest GET needs an Accept header, or the registry answers 400 MANIFEST_INVALID.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { httpRequest } from './http-client';
import { getTestPki } from './pki';
import { spawnTestDaemon } from './test-daemon';
import { type TokenServer } from './token-server';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export type RegistryAuth =
  | 'none'
  | { htpasswd: { users: Record<string, string>; realm?: string } }
  | { token: Pick<TokenServer, 'url' | 'service' | 'issuer' | 'rootCertPath'> };

export interface RegistryOptions {
  auth?: RegistryAuth;
  tls?: boolean | { requireClientCert: true };
  proxy?: { remoteUrl: string; username?: string; password?: string };
  storage?: 'filesystem' | 'inmemory';
  env?: Record<string, string>;
  /** Milliseconds to wait for the process to listen and answer `/v2/`. */
  startTimeoutMs?: number;
}

export interface RunningRegistry {
  host: string;
  url: string;
  port: number;
  caPem?: string;
  /** First htpasswd user, for convenience. */
  username?: string;
  password?: string;
  rootDirectory?: string;
  logs(): string;
  stop(): Promise<void>;
}

function bcryptLine(user: string, password: string): string {
  try {
    return execFileSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' }).trim();
  } catch (error) {
    throw new Error(`htpasswd -Bbn failed (apache2-utils installed?): ${String(error)}`);
  }
}

export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  if (!existsSync(REGISTRY_BINARY)) {
    throw new Error(`${REGISTRY_BINARY} is missing: install the Debian docker-registry package`);
  }
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'ri-registry-'));
  const auth = options.auth ?? 'none';
  const needsPki = options.tls !== undefined && options.tls !== false;
  const pki = needsPki || (options.proxy?.remoteUrl.startsWith('https:') ?? false) ? await getTestPki() : undefined;

  const config: Record<string, unknown> = {
    version: '0.1',
    log: { level: 'info', accesslog: { disabled: false } },
    storage:
      options.storage === 'inmemory'
        ? { inmemory: {}, delete: { enabled: true } }
        : { filesystem: { rootdirectory: join(dir, 'data') }, delete: { enabled: true } },
    http: { addr: '127.0.0.1:0', secret: 'test-http-secret' },
  };
  const http = config.http as Record<string, unknown>;
  if (needsPki && pki) {
    http.tls = {
      certificate: pki.serverCertPath,
      key: pki.serverKeyPath,
      ...(typeof options.tls === 'object' && options.tls.requireClientCert ? { clientcas: [pki.caCertPath] } : {}),
    };
  }
  let username: string | undefined;
  let password: string | undefined;
  if (auth !== 'none' && 'htpasswd' in auth) {
    const entries = Object.entries(auth.htpasswd.users);
    const htpasswdPath = join(dir, 'htpasswd');
    writeFileSync(htpasswdPath, entries.map(([u, p]) => bcryptLine(u, p)).join('\n') + '\n');
    config.auth = { htpasswd: { realm: auth.htpasswd.realm ?? 'test-realm', path: htpasswdPath } };
    [username, password] = entries[0] ?? [];
  } else if (auth !== 'none' && 'token' in auth) {
    config.auth = {
      token: {
        realm: auth.token.url,
        service: auth.token.service,
        issuer: auth.token.issuer,
        rootcertbundle: auth.token.rootCertPath,
      },
    };
  }
  if (options.proxy) {
    config.proxy = {
      remoteurl: options.proxy.remoteUrl,
      ...(options.proxy.username !== undefined ? { username: options.proxy.username } : {}),
      ...(options.proxy.password !== undefined ? { password: options.proxy.password } : {}),
    };
  }
  // JSON is valid YAML, and avoids a YAML writer.
  const configPath = join(dir, 'config.yml');
  writeFileSync(configPath, JSON.stringify(config, null, 2));

  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, ...(options.env ?? {}) };
  // The mirror checks its HTTPS upstream at start-up and panics on an unknown CA.
  if (pki && options.proxy?.remoteUrl.startsWith('https:')) env.SSL_CERT_FILE = pki.caCertPath;

  const daemon = spawnTestDaemon(REGISTRY_BINARY, ['serve', configPath], { env, dir });
  const tail = (): string => daemon.logs().split('\n').slice(-15).join('\n');
  const stop = (): Promise<void> => daemon.stop();

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  let port: number | undefined;
  while (port === undefined) {
    const m = /listening on 127\.0\.0\.1:(\d+)/.exec(daemon.logs());
    if (m?.[1]) port = Number(m[1]);
    else if (daemon.ended() !== undefined || Date.now() > deadline) {
      await stop();
      const why = daemon.ended() ?? 'timed out';
      throw new Error(`docker-registry did not start: ${why}\n--- log tail ---\n${tail()}`);
    } else await new Promise((r) => setTimeout(r, 10));
  }
  const scheme = needsPki ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${port}`;
  for (;;) {
    try {
      await httpRequest({
        url: `${url}/v2/`,
        caPem: pki?.caPem,
        clientCertPem: pki?.clientCertPem,
        clientKeyPem: pki?.clientKeyPem,
        timeoutMs: 1000,
      });
      break;
    } catch (error) {
      if (daemon.ended() !== undefined || Date.now() > deadline) {
        await stop();
        throw new Error(`docker-registry did not answer GET /v2/: ${String(error)}\n--- log tail ---\n${tail()}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  return {
    host: `127.0.0.1:${port}`,
    url,
    port,
    caPem: needsPki ? pki?.caPem : undefined,
    username,
    password,
    rootDirectory: options.storage === 'inmemory' ? undefined : join(dir, 'data'),
    logs: () => daemon.logs(),
    stop,
  };
}

/** Starts one registry for the enclosing `describe` (or file) and stops it afterwards. */
export function withRegistry(options: RegistryOptions = {}): { get(): RunningRegistry } {
  let registry: RunningRegistry | undefined;
  beforeAll(async () => {
    registry = await startRegistry(options);
  });
  afterAll(async () => {
    await registry?.stop();
  });
  return {
    get(): RunningRegistry {
      if (!registry) throw new Error('withRegistry: registry not started (use get() inside tests/hooks)');
      return registry;
    },
  };
}
