/**
 * A local TLS front for a plain-HTTP server, with a certificate for names that are not loopback
 * (`registry.test`, `0.0.0.0`), so a proxied request can be verified end to end through a test CA.
 * The same certificate (also valid for 127.0.0.1) serves an `https://` test proxy: `testTls()`.
 *
 *   startImpersonatedHost(upstreamPort) → Promise<{ port, caPem, connections(), stop() }>
 *
 * The CA and certificate are made once per process with `openssl` (this CA signs nothing else).
 * Bytes are piped both ways unchanged; the registry behind it should use relative URLs.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const IMPERSONATED_NAMES = ['registry.test', 'token.test'];

let material: Promise<{ caPem: string; certPem: string; keyPem: string }> | undefined;

async function makeMaterial(): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ri-impersonate-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const openssl = (args: string[]): Promise<unknown> => run('openssl', args, { cwd: dir });
  try {
    await openssl([
      'req',
      '-x509',
      '-new',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=proxy test CA',
    ]);
    const names = IMPERSONATED_NAMES.map((n) => `DNS:${n}`).join(',');
    writeFileSync(
      join(dir, 'leaf.ext'),
      `subjectAltName=${names},IP:0.0.0.0,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n`,
    );
    await openssl(['req', '-new', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=registry.test']);
    await openssl([
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      '7',
      '-out',
      'leaf.pem',
      '-days',
      '2',
      '-extfile',
      'leaf.ext',
    ]);
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    return { caPem: read('ca.pem'), certPem: read('leaf.pem'), keyPem: read('leaf.key') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The test CA and its leaf certificate, e.g. for `startConnectProxy({ tls })`. */
export function testTls(): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  material ??= makeMaterial();
  return material;
}

export interface ImpersonatedHost {
  port: number;
  caPem: string;
  /** TLS connections accepted so far. */
  connections(): number;
  stop(): Promise<void>;
}

export async function startImpersonatedHost(upstreamPort: number): Promise<ImpersonatedHost> {
  const { caPem, certPem, keyPem } = await testTls();
  const sockets = new Set<TLSSocket>();
  let accepted = 0;
  const server = createServer({ cert: certPem, key: keyPem }, (socket) => {
    accepted++;
    sockets.add(socket);
    const upstream = connect(upstreamPort, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    const close = (): void => {
      socket.destroy();
      upstream.destroy();
      sockets.delete(socket);
    };
    socket.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    caPem,
    connections: () => accepted,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
