import http from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy';

// The test helper itself: other proxy tests rely on what it records and refuses.

let origin: http.Server;
let originPort: number;

beforeAll(async () => {
  origin = http.createServer((req, res) => {
    const body = `origin saw ${req.method} ${req.url}`;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  originPort = (origin.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => origin.close(() => resolve())));

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** CONNECTs to `target`, then sends one GET through the tunnel; resolves the statuses seen. */
function tunnelGet(proxy: ConnectProxy, target: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxy.port, method: 'CONNECT', path: target, headers });
    req.on('connect', (res, socket: Socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        resolve(`CONNECT ${res.statusCode}`);
        return;
      }
      socket.write(`GET /through HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`);
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('end', () => resolve(text.split('\r\n\r\n')[1] ?? ''));
    });
    req.on('error', reject);
    req.end();
  });
}

function absoluteGet(proxy: ConnectProxy, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxy.port, method: 'GET', path: url, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('test connect proxy', () => {
  it('tunnels a CONNECT to a loopback port and records it', async () => {
    const proxy = await startConnectProxy();
    try {
      expect(await tunnelGet(proxy, `127.0.0.1:${originPort}`)).toBe('origin saw GET /through');
      expect(proxy.log).toEqual([
        expect.objectContaining({ method: 'CONNECT', target: `127.0.0.1:${originPort}`, status: 200 }),
      ]);
    } finally {
      await proxy.stop();
    }
  });

  it('sends a routed host:port to the local port, and refuses other public targets with 502', async () => {
    const proxy = await startConnectProxy({ routes: { 'registry.test:443': `127.0.0.1:${originPort}` } });
    try {
      expect(await tunnelGet(proxy, 'registry.test:443')).toBe('origin saw GET /through');
      expect(await tunnelGet(proxy, 'example.com:443')).toBe('CONNECT 502');
      expect((await absoluteGet(proxy, 'http://example.com/x')).status).toBe(502);
      expect(proxy.log.map((e) => [e.target, e.sentTo, e.status])).toEqual([
        ['registry.test:443', `127.0.0.1:${originPort}`, 200],
        ['example.com:443', undefined, 502],
        ['example.com:80', undefined, 502],
      ]);
    } finally {
      await proxy.stop();
    }
  });

  it('forwards absolute-URI requests', async () => {
    const proxy = await startConnectProxy();
    try {
      expect(await absoluteGet(proxy, `http://127.0.0.1:${originPort}/plain?x=1`)).toEqual({
        status: 200,
        body: 'origin saw GET /plain?x=1',
      });
      expect(proxy.count({ method: 'GET', target: `127.0.0.1:${originPort}`, status: 200 })).toBe(1);
    } finally {
      await proxy.stop();
    }
  });

  it('requires credentials when configured and records the user only', async () => {
    const proxy = await startConnectProxy({ credentials: { username: 'alice', password: 's3cret-pw' } });
    try {
      const target = `127.0.0.1:${originPort}`;
      expect(await tunnelGet(proxy, target)).toBe('CONNECT 407');
      expect(await tunnelGet(proxy, target, { 'Proxy-Authorization': basic('alice', 'wrong') })).toBe('CONNECT 407');
      expect(await tunnelGet(proxy, target, { 'Proxy-Authorization': basic('alice', 's3cret-pw') })).toBe(
        'origin saw GET /through',
      );
      expect(proxy.log.map((e) => [e.proxyAuthorization, e.user, e.status])).toEqual([
        [false, undefined, 407],
        [true, 'alice', 407],
        [true, 'alice', 200],
      ]);
      expect(JSON.stringify(proxy.log)).not.toContain('s3cret-pw');
      expect(proxy.urlWith('alice', 'p@ss')).toBe(`http://alice:p%40ss@127.0.0.1:${proxy.port}`);
    } finally {
      await proxy.stop();
    }
  });
});
