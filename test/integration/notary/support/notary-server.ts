/**
 * Runs the real notary-server (`/usr/bin/notary-server`, Debian notary 0.7) on 127.0.0.1:
 * memory storage and the in-process trust service, so no database or notary-signer is needed.
 *
 *   startNotaryServer({ tls?, token? }) → Promise<RunningNotary{ url, caPem?, caCertPath?, logs(), stop() }>
 *
 * - `tls: true` serves HTTPS with the test PKI's server certificate (trust `caPem`).
 * - `token` turns on token auth with a support/token-server.ts realm (service `notary-server`).
 * notary-server logs its configured address, not the bound one, so a free port is chosen first
 * and passed in the config; a lost race is retried on another port.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest } from '../../support/http-client';
import { getTestPki } from '../../support/pki';
import { spawnTestDaemon } from '../../support/test-daemon';
import type { TokenServer } from '../../support/token-server';

export const NOTARY_SERVER_BINARY = '/usr/bin/notary-server';

export interface NotaryServerOptions {
  tls?: boolean;
  token?: Pick<TokenServer, 'url' | 'service' | 'issuer' | 'rootCertPath'>;
}

export interface RunningNotary {
  url: string;
  caPem?: string;
  caCertPath?: string;
  logs(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startNotaryServer(options: NotaryServerOptions = {}): Promise<RunningNotary> {
  if (!existsSync(NOTARY_SERVER_BINARY)) {
    throw new Error(`${NOTARY_SERVER_BINARY} is missing: install the Debian notary package`);
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(options, await freePort());
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnce(options: NotaryServerOptions, port: number): Promise<RunningNotary> {
  const pki = options.tls ? await getTestPki() : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ri-notary-server-'));
  const config: Record<string, unknown> = {
    server: {
      http_addr: `127.0.0.1:${port}`,
      ...(pki ? { tls_cert_file: pki.serverCertPath, tls_key_file: pki.serverKeyPath } : {}),
    },
    trust_service: { type: 'local' },
    storage: { backend: 'memory' },
    logging: { level: 'info' },
    ...(options.token
      ? {
          auth: {
            type: 'token',
            options: {
              realm: options.token.url,
              service: options.token.service,
              issuer: options.token.issuer,
              rootcertbundle: options.token.rootCertPath,
            },
          },
        }
      : {}),
  };
  const configPath = join(dir, 'server.json');
  writeFileSync(configPath, JSON.stringify(config));
  const daemon = spawnTestDaemon(NOTARY_SERVER_BINARY, ['-config', configPath], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
    dir,
  });
  const stop = (): Promise<void> => daemon.stop();
  const url = `${pki ? 'https' : 'http'}://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await httpRequest({ url: `${url}/_notary_server/health`, caPem: pki?.caPem, timeoutMs: 1000 });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (daemon.ended() !== undefined || Date.now() > deadline) {
      await stop();
      throw new Error(`notary-server did not become healthy on ${url}\n--- log ---\n${daemon.logs().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    url,
    ...(pki ? { caPem: pki.caPem, caCertPath: pki.caCertPath } : {}),
    logs: () => daemon.logs(),
    stop,
  };
}
