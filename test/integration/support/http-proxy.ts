/**
 * Fault-injecting loopback proxy in front of a registry, plus a separate "blob host".
 *
 *   startProxy(targetUrl, hooks?, { caPem? }) → Promise<RunningProxy>
 *     RunningProxy { url, host, requests: ProxiedRequest[], count(method?, pathPattern?), setHooks(hooks), stop() }
 *   Hooks run in order for each request; the first that returns an action wins; none ⇒ pass through.
 *   A ProxyHook is `(req: ProxiedRequest) => ProxyAction | undefined`. Actions:
 *     { kind: 'forward', stripResponseHeaders?, setResponseHeaders?, truncateAfter?, corruptAt? }
 *     { kind: 'respond', status, headers?, body? }
 *     { kind: 'drop' }                              (close the socket without a response)
 *     { kind: 'redirect', location, status? }       (default 307)
 *   Ready-made hooks: stripHeaders(names, match?), failTimes(n, match, response), answerAlways(match,
 *   response), dropTimes(n, match), truncate(bytes, match), corrupt(match, offset?),
 *   redirectTo(baseUrl, match) and the matchers isBlobGet / isManifestGet / isManifestHead /
 *   matching({ method?, path? }).
 *   The Host header is passed through unchanged, so upload Locations point back at the proxy.
 *
 *   startBlobHost() → Promise<BlobHost { url, host, serve(path, bytes, headers?), requests, stop() }>
 *     Serves registered paths (404 otherwise), and answers 400 to ANY request that carries an
 *     Authorization header — like S3/GCS presigned URLs, so redirect tests catch leaked credentials.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { type AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** 0-based position among all requests this proxy received. */
  index: number;
}

export type ProxyAction =
  | {
      kind: 'forward';
      /** Lower- or mixed-case names; removed from the upstream response. */
      stripResponseHeaders?: string[];
      setResponseHeaders?: Record<string, string>;
      /** Send the upstream's headers (Content-Length intact), then only N body bytes, then cut. */
      truncateAfter?: number;
      /** Flip the bits of the body byte at this offset (default 0). */
      corruptAt?: number;
    }
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: string | Buffer }
  | { kind: 'drop' }
  | { kind: 'redirect'; location: string; status?: number };

export type ProxyHook = (req: ProxiedRequest) => ProxyAction | undefined;
export type RequestMatcher = (req: ProxiedRequest) => boolean;

export const isBlobGet: RequestMatcher = (r) => r.method === 'GET' && /\/blobs\/sha256:[0-9a-f]{64}$/.test(r.path);
export const isManifestGet: RequestMatcher = (r) => r.method === 'GET' && /\/manifests\/[^/]+$/.test(r.path);
export const isManifestHead: RequestMatcher = (r) => r.method === 'HEAD' && /\/manifests\/[^/]+$/.test(r.path);
export const matching =
  (m: { method?: string; path?: RegExp }): RequestMatcher =>
  (r) =>
    (m.method === undefined || m.method === r.method) && (m.path === undefined || m.path.test(r.path));

export const stripHeaders =
  (names: string[], match: RequestMatcher = () => true): ProxyHook =>
  (r) =>
    match(r) ? { kind: 'forward', stripResponseHeaders: names } : undefined;

/** The first `times` matching requests get this response; later ones pass. */
export function failTimes(
  times: number,
  match: RequestMatcher,
  response: { status: number; headers?: Record<string, string>; body?: string },
): ProxyHook {
  let seen = 0;
  return (r) => (match(r) && seen++ < times ? { kind: 'respond', ...response } : undefined);
}

/** Every matching request gets this response (a proxy or registry that always answers so). */
export function answerAlways(
  match: RequestMatcher,
  response: { status: number; headers?: Record<string, string>; body?: string },
): ProxyHook {
  return (r) => (match(r) ? { kind: 'respond', ...response } : undefined);
}

export function dropTimes(times: number, match: RequestMatcher): ProxyHook {
  let seen = 0;
  return (r) => (match(r) && seen++ < times ? { kind: 'drop' } : undefined);
}

/** The first `times` matching responses are cut after `bytes` body bytes. */
export function truncate(bytes: number, match: RequestMatcher, times = Infinity): ProxyHook {
  let seen = 0;
  return (r) => (match(r) && seen++ < times ? { kind: 'forward', truncateAfter: bytes } : undefined);
}

export const corrupt =
  (match: RequestMatcher, offset = 0): ProxyHook =>
  (r) =>
    match(r) ? { kind: 'forward', corruptAt: offset } : undefined;

/** Redirects matching requests to `baseUrl` + the same path. */
export const redirectTo =
  (baseUrl: string, match: RequestMatcher = isBlobGet, status = 307): ProxyHook =>
  (r) =>
    match(r) ? { kind: 'redirect', location: new URL(r.path, baseUrl).href, status } : undefined;

export interface RunningProxy {
  url: string;
  host: string;
  requests: ProxiedRequest[];
  /** Number of requests with this method (any if undefined) whose path matches. */
  count(method?: string, pathPattern?: RegExp): number;
  setHooks(hooks: ProxyHook | ProxyHook[]): void;
  stop(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{
  server: http.Server;
  port: number;
  stop(): Promise<void>;
}> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function startProxy(
  targetUrl: string,
  hooks: ProxyHook | ProxyHook[] = [],
  options: { caPem?: string } = {},
): Promise<RunningProxy> {
  const target = new URL(targetUrl);
  const client = target.protocol === 'https:' ? https : http;
  let currentHooks = Array.isArray(hooks) ? hooks : [hooks];
  const requests: ProxiedRequest[] = [];

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    action: Extract<ProxyAction, { kind: 'forward' }>,
  ): void => {
    const upstream = client.request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: false,
        ...(options.caPem !== undefined ? { ca: options.caPem } : {}),
      },
      (up) => {
        const headers: Record<string, string | string[]> = {};
        const strip = new Set((action.stripResponseHeaders ?? []).map((h) => h.toLowerCase()));
        for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !strip.has(k)) headers[k] = v;
        for (const [k, v] of Object.entries(action.setResponseHeaders ?? {})) headers[k.toLowerCase()] = v;
        res.writeHead(up.statusCode ?? 502, headers);
        let sent = 0;
        const limit = action.truncateAfter;
        const corruptAt = action.corruptAt;
        up.on('data', (chunk: Buffer) => {
          if (limit !== undefined && sent >= limit) return;
          let out = chunk;
          if (corruptAt !== undefined && corruptAt >= sent && corruptAt < sent + chunk.length) {
            out = Buffer.from(chunk);
            out[corruptAt - sent] = (out[corruptAt - sent] ?? 0) ^ 0xff;
          }
          if (limit !== undefined && sent + out.length >= limit) {
            up.destroy();
            // cut the connection mid-body once the allowed bytes are flushed
            res.write(out.subarray(0, Math.max(0, limit - sent)), () => res.socket?.destroy());
            sent = limit;
            return;
          }
          sent += out.length;
          res.write(out);
        });
        up.on('end', () => res.end());
        up.on('error', () => res.socket?.destroy());
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`test proxy: upstream error: ${error.message}`);
    });
    req.pipe(upstream);
  };

  const running = await listen((req, res) => {
    const record: ProxiedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      index: requests.length,
    };
    requests.push(record);
    let action: ProxyAction = { kind: 'forward' };
    for (const hook of currentHooks) {
      const chosen = hook(record);
      if (chosen) {
        action = chosen;
        break;
      }
    }
    switch (action.kind) {
      case 'forward':
        forward(req, res, action);
        return;
      case 'respond':
        req.resume();
        res.writeHead(action.status, action.headers ?? {});
        res.end(action.body);
        return;
      case 'drop':
        req.resume();
        req.socket.destroy();
        return;
      case 'redirect':
        req.resume();
        res.writeHead(action.status ?? 307, { Location: action.location });
        res.end();
        return;
    }
  });
  return {
    url: `http://127.0.0.1:${running.port}`,
    host: `127.0.0.1:${running.port}`,
    requests,
    count: (method, pathPattern) =>
      requests.filter((r) => (method === undefined || r.method === method) && (pathPattern?.test(r.path) ?? true))
        .length,
    setHooks: (h) => {
      currentHooks = Array.isArray(h) ? h : [h];
    },
    stop: running.stop,
  };
}

export interface BlobHost {
  url: string;
  host: string;
  serve(path: string, bytes: Buffer, headers?: Record<string, string>): void;
  requests: ProxiedRequest[];
  stop(): Promise<void>;
}

export async function startBlobHost(): Promise<BlobHost> {
  const content = new Map<string, { bytes: Buffer; headers: Record<string, string> }>();
  const requests: ProxiedRequest[] = [];
  const running = await listen((req, res) => {
    const path = req.url ?? '/';
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers, index: requests.length });
    req.resume();
    if (req.headers.authorization !== undefined) {
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end('blob host: Authorization header not allowed here');
      return;
    }
    const entry = content.get(new URL(path, 'http://x').pathname);
    if (!entry) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(entry.bytes.length),
      ...entry.headers,
    });
    res.end(req.method === 'HEAD' ? undefined : entry.bytes);
  });
  return {
    url: `http://127.0.0.1:${running.port}`,
    host: `127.0.0.1:${running.port}`,
    serve: (path, bytes, headers = {}) => {
      content.set(path, { bytes, headers });
    },
    requests,
    stop: running.stop,
  };
}
