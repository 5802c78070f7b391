import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { awsRequestHandler } from '../../../../src/adapters/providers/ecr/aws-request-handler';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  sockets.splice(0).forEach((s) => s.destroy());
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A TCP server that records the request head it is sent and answers `reply`. */
async function rawServer(reply: string): Promise<{ port: number; received: () => string }> {
  let received = '';
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      if (received.includes('\r\n\r\n')) socket.end(reply);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, received: () => received };
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok';
const STS = 'sts.eu-west-1.amazonaws.com';
const ECR = 'api.ecr.eu-west-1.amazonaws.com';

describe('awsRequestHandler: which AWS endpoint goes through the proxy', () => {
  it('sends https endpoints through HTTPS_PROXY, naming the variable (never the password)', () => {
    const { httpsAgent } = awsRequestHandler({ HTTPS_PROXY: 'http://u:p4ss@proxy.corp:3128' });
    const proxy = httpsAgent.route(STS, 443);
    expect(proxy?.origin).toBe('http://proxy.corp:3128');
    expect(proxy?.source).toBe('HTTPS_PROXY');
    expect(httpsAgent.route(ECR, 443)).toBe(proxy);
  });

  it('connects directly without a proxy variable, for loopback, and for what NO_PROXY covers', () => {
    expect(awsRequestHandler({}).httpsAgent.route(STS, 443)).toBeUndefined();
    const env = { https_proxy: 'proxy.corp:3128', NO_PROXY: 'sts.eu-west-1.amazonaws.com,.internal:8443' };
    const { httpsAgent } = awsRequestHandler(env);
    expect(httpsAgent.route(STS, 443)).toBeUndefined();
    expect(httpsAgent.route(ECR, 443)?.source).toBe('https_proxy');
    expect(httpsAgent.route('vpce.internal', 8443)).toBeUndefined();
    expect(httpsAgent.route('vpce.internal', 443)).toBeDefined();
    expect(httpsAgent.route('127.0.0.1', 443)).toBeUndefined();
    expect(httpsAgent.route('::1', 443)).toBeUndefined();
  });

  it('uses HTTP_PROXY only for http endpoints, as Go does (neither variable falls back to the other)', () => {
    const onlyHttps = awsRequestHandler({ HTTPS_PROXY: 'proxy.corp:3128' });
    expect(onlyHttps.httpAgent.route('sts.test', 80)).toBeUndefined();
    const onlyHttp = awsRequestHandler({ HTTP_PROXY: 'proxy.corp:8080' });
    expect(onlyHttp.httpAgent.route('sts.test', 80)?.origin).toBe('http://proxy.corp:8080');
    expect(onlyHttp.httpsAgent.route('sts.test', 443)).toBeUndefined();
  });

  it('keeps bounded waits and gives every client its own agents', () => {
    const a = awsRequestHandler({});
    const b = awsRequestHandler({});
    expect(a.connectionTimeout).toBeGreaterThan(0);
    expect(a.requestTimeout).toBeGreaterThan(0);
    expect(a.httpsAgent).not.toBe(b.httpsAgent);
    expect(a.httpAgent).not.toBe(b.httpAgent);
  });
});

describe('awsRequestHandler agents on the wire', () => {
  it('tunnels an https request with CONNECT and the proxy credentials', async () => {
    const proxy = await rawServer('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
    const { httpsAgent } = awsRequestHandler({ HTTPS_PROXY: `http://bob:s3cret@127.0.0.1:${proxy.port}` });
    const failure = await new Promise<Error>((resolve) => {
      httpsGet({ host: STS, port: 443, path: '/', agent: httpsAgent }, () => resolve(new Error('answered'))).on(
        'error',
        resolve,
      );
    });
    expect(failure.message).toContain(`refused CONNECT ${STS}:443: HTTP 403`);
    expect(failure.message).not.toContain('s3cret');
    expect(proxy.received()).toMatch(new RegExp(`^CONNECT ${STS.replace(/\./g, '\\.')}:443 HTTP/1\\.1\\r\\n`));
    expect(proxy.received()).toContain(`Proxy-Authorization: Basic ${Buffer.from('bob:s3cret').toString('base64')}`);
    httpsAgent.destroy();
  });

  it('forwards a proxied http request with its absolute URI, and sends a NO_PROXY one to its host', async () => {
    const proxy = await rawServer(OK);
    const direct = await rawServer(OK);
    const { httpAgent } = awsRequestHandler({
      HTTP_PROXY: `127.0.0.1:${proxy.port}`,
      NO_PROXY: '0.0.0.0',
    });
    const fetchVia = (host: string, port: number): Promise<number> =>
      new Promise((resolve, reject) => {
        httpGet({ host, port, path: '/path?x=1', agent: httpAgent }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        }).on('error', reject);
      });
    // 0.0.0.0 reaches loopback on Linux; ecr.test is only reachable through the proxy.
    expect(await fetchVia('ecr.test', 8080)).toBe(200);
    expect(await fetchVia('0.0.0.0', direct.port)).toBe(200);
    expect(proxy.received()).toMatch(/^GET http:\/\/ecr\.test:8080\/path\?x=1 HTTP\/1\.1\r\n/);
    expect(direct.received()).toMatch(/^GET \/path\?x=1 HTTP\/1\.1\r\n/);
    httpAgent.destroy();
  });
});
