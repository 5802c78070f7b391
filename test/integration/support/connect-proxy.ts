/**
 * A loopback HTTP forward proxy, the kind `HTTPS_PROXY` / `HTTP_PROXY` point at.
 *
 *   startConnectProxy(options?) → Promise<ConnectProxy>
 *
 * ConnectProxyOptions:
 *   credentials: { username, password }  require `Proxy-Authorization: Basic …`; 407 otherwise.
 *   routes:      { 'registry.test:443': '127.0.0.1:PORT', … }  a CONNECT (or absolute-URI request)
 *                for a listed host:port goes to that local port instead, so a test can reach a local
 *                TLS server impersonating another host (trusted through a test CA).
 *   tls:         { cert, key }  serve the proxy itself over TLS (an `https://` proxy URL).
 *
 * Handles CONNECT (a byte tunnel; TLS stays end to end) and plain absolute-URI requests
 * (`GET http://host:port/path`). Nothing leaves loopback: a target that is neither routed nor a
 * loopback address (127.0.0.0/8, ::1, localhost) gets 502 without any lookup or connection.
 *
 * ConnectProxy: { url 'http(s)://127.0.0.1:PORT', host, port, log: ProxyLogEntry[],
 *   urlWith(username, password) (the proxy URL with credentials), count(filter?), stop() }.
 * A log entry holds the method, the target host:port, where it was sent, the status the proxy
 * gave, and the Proxy-Authorization user if one was sent — never the password.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { type Duplex } from 'node:stream';

export interface ConnectProxyOptions {
  credentials?: { username: string; password: string };
  routes?: Record<string, string>;
  tls?: { cert: string; key: string };
}

export interface ProxyLogEntry {
  /** `CONNECT`, or the method of an absolute-URI request. */
  method: string;
  /** host:port the client asked for (IPv6 hosts in brackets). */
  target: string;
  /** host:port actually dialled; undefined when refused. */
  sentTo?: string;
  /** 200 for an established tunnel, the upstream status for a forwarded request, 407 / 502 / 400. */
  status: number;
  /** Whether a Proxy-Authorization header was sent, and for which user. */
  proxyAuthorization: boolean;
  user?: string;
}

export interface ConnectProxy {
  url: string;
  host: string;
  port: number;
  log: ProxyLogEntry[];
  urlWith(username: string, password: string): string;
  count(filter?: { method?: string; target?: string; status?: number }): number;
  stop(): Promise<void>;
}

interface Decision {
  entry: ProxyLogEntry;
  /** Where to connect, when allowed. */
  dial?: { host: string; port: number };
  /** Why not, as a status line reason. */
  refusal?: { status: number; reason: string; headers?: Record<string, string> };
}

export function splitHostPort(target: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(target) ?? /^([^:[\]]+):(\d+)$/.exec(target);
  if (!m?.[1] || !m[2]) return undefined;
  return { host: m[1], port: Number(m[2]) };
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return net.isIPv4(host) && host.startsWith('127.');
}

function readAuthorization(header: string | undefined): { present: boolean; user?: string; password?: string } {
  if (header === undefined) return { present: false };
  const m = /^Basic\s+(\S+)$/i.exec(header.trim());
  if (!m?.[1]) return { present: true };
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { present: true, user: decoded };
  return { present: true, user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function decide(method: string, target: string, header: string | undefined, options: ConnectProxyOptions): Decision {
  const auth = readAuthorization(header);
  const entry: ProxyLogEntry = {
    method,
    target,
    status: 0,
    proxyAuthorization: auth.present,
    ...(auth.user !== undefined ? { user: auth.user } : {}),
  };
  const wanted = options.credentials;
  if (wanted && (auth.user !== wanted.username || auth.password !== wanted.password)) {
    entry.status = 407;
    return {
      entry,
      refusal: {
        status: 407,
        reason: 'Proxy Authentication Required',
        headers: { 'Proxy-Authenticate': 'Basic realm="test proxy"' },
      },
    };
  }
  const routed = options.routes?.[target];
  const dial = splitHostPort(routed ?? target);
  if (!dial) {
    entry.status = 400;
    return { entry, refusal: { status: 400, reason: 'Bad Request' } };
  }
  if (routed === undefined && !isLoopback(dial.host)) {
    entry.status = 502;
    return { entry, refusal: { status: 502, reason: 'Bad Gateway (test proxy: not loopback, not routed)' } };
  }
  entry.sentTo = routed ?? target;
  return { entry, dial };
}

function hostPortOf(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`; // URL keeps IPv6 hostnames in brackets
}

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<Duplex>();
  const track = (s: Duplex): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      req.resume();
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('test proxy: absolute URI required');
      return;
    }
    const decision = decide(req.method ?? 'GET', hostPortOf(url), req.headers['proxy-authorization'], options);
    log.push(decision.entry);
    if (!decision.dial) {
      req.resume();
      const r = decision.refusal ?? { status: 502, reason: 'Bad Gateway' };
      res.writeHead(r.status, { 'Content-Type': 'text/plain', ...r.headers }).end(`test proxy: ${r.reason}`);
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request(
      {
        host: decision.dial.host,
        port: decision.dial.port,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers,
        agent: false,
      },
      (up) => {
        decision.entry.status = up.statusCode ?? 502;
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      decision.entry.status = 502;
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`test proxy: upstream error: ${error.message}`);
    });
    req.pipe(upstream);
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);

  server.on('connection', track);
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    track(client);
    const decision = decide('CONNECT', req.url ?? '', req.headers['proxy-authorization'], options);
    log.push(decision.entry);
    if (!decision.dial) {
      const r = decision.refusal ?? { status: 502, reason: 'Bad Gateway' };
      const extra = Object.entries(r.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`);
      client.end(`HTTP/1.1 ${r.status} ${r.reason}\r\n${extra.join('')}Content-Length: 0\r\n\r\n`);
      return;
    }
    const upstream = net.connect(decision.dial.port, decision.dial.host);
    track(upstream);
    upstream.once('connect', () => {
      decision.entry.status = 200;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => {
      if (decision.entry.status === 0) {
        decision.entry.status = 502;
        client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      } else client.destroy();
    });
    client.on('error', () => upstream.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const scheme = options.tls ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${port}`;
  return {
    url,
    host: `127.0.0.1:${port}`,
    port,
    log,
    urlWith: (username, password) =>
      `${scheme}://${encodeURIComponent(username)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    count: (filter = {}) =>
      log.filter(
        (e) =>
          (filter.method === undefined || e.method === filter.method) &&
          (filter.target === undefined || e.target === filter.target) &&
          (filter.status === undefined || e.status === filter.status),
      ).length,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
