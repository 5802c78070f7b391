/**
 * An HTTPS front for a plain-HTTP server that demands a client certificate signed by the test
 * CA: notary-server itself cannot require one, this stands in for the load balancer that does.
 *
 *   startMtlsProxy(upstreamUrl) → Promise<{ url, clientSubjects: string[], stop() }>
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { getTestPki } from '../../support/pki';

export interface MtlsProxy {
  url: string;
  /** Subject CN of each client certificate a request came with. */
  clientSubjects: string[];
  stop(): Promise<void>;
}

export async function startMtlsProxy(upstreamUrl: string): Promise<MtlsProxy> {
  const pki = await getTestPki();
  const upstream = new URL(upstreamUrl);
  const clientSubjects: string[] = [];
  const server = https.createServer(
    { cert: pki.serverCertPem, key: pki.serverKeyPem, ca: pki.caPem, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      clientSubjects.push(String(peer.subject?.CN ?? ''));
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (error) => res.writeHead(502).end(String(error)));
      req.pipe(forward);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    clientSubjects,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
