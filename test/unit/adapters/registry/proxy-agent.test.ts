import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ForwardingAgent, openTunnel } from '../../../../src/adapters/registry/proxy-agent';
import { parseProxyUrl } from '../../../../src/adapters/registry/proxy-environment';
import { TransportError } from '../../../../src/adapters/registry/transport-error';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  sockets.splice(0).forEach((s) => s.destroy());
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A TCP server that records what it is sent and answers with `reply` (or never). */
async function rawServer(reply?: string): Promise<{ port: number; received: () => string }> {
  let received = '';
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      if (reply !== undefined && received.includes('\r\n\r\n')) socket.end(reply);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, received: () => received };
}

describe('openTunnel', () => {
  it('sends CONNECT with Host and Proxy-Authorization from the URL', async () => {
    const proxy = await rawServer('HTTP/1.1 200 Connection Established\r\n\r\n');
    const server = parseProxyUrl(`http://bob:pa%3Ass@127.0.0.1:${proxy.port}`, 'HTTPS_PROXY');
    const socket = await openTunnel(server, 'registry.example.com', 443, 1000, undefined);
    socket.destroy();
    const head = proxy.received();
    expect(head).toMatch(/^CONNECT registry\.example\.com:443 HTTP\/1\.1\r\n/);
    expect(head).toContain('Host: registry.example.com:443\r\n');
    expect(head).toContain(`Proxy-Authorization: Basic ${Buffer.from('bob:pa:ss').toString('base64')}\r\n`);
  });

  it('brackets IPv6 targets', async () => {
    const proxy = await rawServer('HTTP/1.1 200 OK\r\n\r\n');
    const socket = await openTunnel(
      parseProxyUrl(`127.0.0.1:${proxy.port}`, 'HTTPS_PROXY'),
      '2001:db8::1',
      5000,
      1000,
      undefined,
    );
    socket.destroy();
    expect(proxy.received()).toMatch(/^CONNECT \[2001:db8::1\]:5000 HTTP\/1\.1\r\n/);
  });

  it('times out on a proxy that never answers, naming the proxy', async () => {
    const proxy = await rawServer();
    const tunnel = openTunnel(
      parseProxyUrl(`127.0.0.1:${proxy.port}`, 'https_proxy'),
      'r.example.com',
      443,
      150,
      undefined,
    );
    await expect(tunnel).rejects.toBeInstanceOf(TransportError);
    await expect(tunnel).rejects.toMatchObject({
      kind: 'timeout',
      message: expect.stringContaining(`proxy http://127.0.0.1:${proxy.port} (https_proxy): no answer for 150 ms`),
    });
  });

  it('turns a refusal into one line with the status', async () => {
    const proxy = await rawServer('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
    const tunnel = openTunnel(
      parseProxyUrl(`127.0.0.1:${proxy.port}`, 'HTTPS_PROXY'),
      'r.example.com',
      443,
      1000,
      undefined,
    );
    await expect(tunnel).rejects.toThrow(
      `proxy http://127.0.0.1:${proxy.port} (HTTPS_PROXY) refused CONNECT r.example.com:443: HTTP 403 Forbidden`,
    );
  });
});

describe('ForwardingAgent', () => {
  it('writes the absolute URI and Proxy-Authorization, and connects to the proxy', async () => {
    const proxy = await rawServer('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    const agent = new ForwardingAgent(parseProxyUrl(`http://u:p@127.0.0.1:${proxy.port}`, 'HTTP_PROXY'), {}, undefined);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ host: 'registry.example.com', port: 5000, path: '/v2/?x=1', agent }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
      const head = proxy.received();
      expect(head).toMatch(/^GET http:\/\/registry\.example\.com:5000\/v2\/\?x=1 HTTP\/1\.1\r\n/);
      expect(head).toContain('Host: registry.example.com:5000\r\n');
      expect(head).toContain(`Proxy-Authorization: Basic ${Buffer.from('u:p').toString('base64')}\r\n`);
    } finally {
      agent.destroy();
    }
  });
});
