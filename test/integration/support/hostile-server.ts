/**
 * A registry that misbehaves on purpose, on raw TCP at 127.0.0.1: it answers what the handler
 * says and can accept a request and never answer, trickle its answer a few bytes at a time, or
 * send a body that never ends. It records each request and how many of its sockets the client
 * closed, so tests can check that the client gave up and let go.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export interface HostileRequest {
  readonly method: string;
  /** Request target as sent: `/v2/x/manifests/v1`, or an absolute URL through a proxy. */
  readonly target: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly socket: Socket;
}

export type HostileHandler = (request: HostileRequest) => void;

export interface HostileServer {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly url: string;
  readonly requests: HostileRequest[];
  /** Sockets that closed before the server ended them (the client gave up). */
  readonly clientClosed: () => number;
  /** Bytes the server managed to write, all sockets together. */
  readonly bytesWritten: () => number;
  stop(): Promise<void>;
}

export async function startHostileServer(handler: HostileHandler): Promise<HostileServer> {
  const requests: HostileRequest[] = [];
  const sockets = new Set<Socket>();
  let clientClosed = 0;
  let written = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      written += socket.bytesWritten;
      sockets.delete(socket);
      if (!endedByServer.has(socket)) clientClosed++;
    });
    let head = Buffer.alloc(0);
    let parsed = false;
    socket.on('data', (chunk: Buffer) => {
      if (parsed) return; // a request body: read and thrown away
      head = Buffer.concat([head, chunk]);
      if (head[0] === 0x16) {
        // A TLS ClientHello (the HTTPS probe): answer as a plain HTTP server would.
        endedByServer.add(socket);
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        return;
      }
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      parsed = true;
      const [line = '', ...fields] = head.subarray(0, end).toString('latin1').split('\r\n');
      const [method = '', target = ''] = line.split(' ');
      const headers: Record<string, string> = {};
      for (const field of fields) {
        const colon = field.indexOf(':');
        if (colon > 0) headers[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim();
      }
      const request = { method, target, headers, socket };
      requests.push(request);
      handler(request);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    clientClosed: () => clientClosed,
    bytesWritten: () => written + [...sockets].reduce((sum, s) => sum + s.bytesWritten, 0),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Sockets this server ended itself (a whole answer); any other close was the client's doing. */
const endedByServer = new WeakSet<Socket>();

function head(status: number, headers: Readonly<Record<string, string>>): string {
  const lines = Object.entries({ Connection: 'close', ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${status} X\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** A whole answer, then the connection closes. */
export function answer(
  socket: Socket,
  status: number,
  headers: Readonly<Record<string, string>> = {},
  body: string | Buffer = '',
): void {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  socket.write(head(status, { 'Content-Length': String(bytes.length), ...headers }));
  endedByServer.add(socket);
  socket.end(bytes);
}

export function answerJson(socket: Socket, status: number, value: unknown, headers: Record<string, string> = {}): void {
  answer(socket, status, { 'Content-Type': 'application/json', ...headers }, JSON.stringify(value));
}

/** Write `bytes` a slice at a time, one slice per `intervalMs`, until done or the client leaves. */
export function trickle(socket: Socket, bytes: string | Buffer, intervalMs: number, slice = 1): void {
  const data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1');
  let offset = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || offset >= data.length) {
      clearInterval(timer);
      return;
    }
    socket.write(data.subarray(offset, offset + slice));
    offset += slice;
  }, intervalMs);
  socket.once('close', () => clearInterval(timer));
}

/** The status line and headers a byte at a time: the answer never quite starts. */
export function trickleHeaders(socket: Socket, intervalMs: number): void {
  trickle(socket, `HTTP/1.1 200 OK\r\nX-Padding: ${'a'.repeat(10_000)}\r\n\r\n`, intervalMs);
}

/** Headers at once, then the body a few bytes per interval. */
export function trickleBody(
  socket: Socket,
  headers: Readonly<Record<string, string>>,
  intervalMs: number,
  slice = 1,
): void {
  socket.write(head(200, headers));
  trickle(socket, Buffer.alloc(10 * 1024 * 1024, 0x61), intervalMs, slice);
}

/**
 * Headers (chunked unless they name a length), then `chunk` over and over, as fast as the
 * client reads, until it hangs up.
 */
export function endless(
  socket: Socket,
  status: number,
  headers: Readonly<Record<string, string>>,
  chunk: Buffer,
): void {
  const chunked = !Object.keys(headers).some((name) => name.toLowerCase() === 'content-length');
  socket.write(head(status, chunked ? { 'Transfer-Encoding': 'chunked', ...headers } : headers));
  const frame = chunked
    ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])
    : chunk;
  const pump = (): void => {
    while (!socket.destroyed && socket.write(frame));
  };
  socket.on('drain', pump);
  pump();
}

/** Accept the request and say nothing, ever. */
export function silent(): void {
  // Deliberately empty: the socket stays open until the client gives up.
}

/**
 * Registries for one test file: each answers its `/v2/` ping with 200 and hands every other
 * request to its `route`; all are stopped after each test (registers a vitest afterEach).
 */
export function hostileRegistries(): (route: HostileHandler) => Promise<HostileServer> {
  const servers: HostileServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });
  return async (route) => {
    const server = await startHostileServer((request) => {
      if (request.target === '/v2/') return answerJson(request.socket, 200, {});
      route(request);
    });
    servers.push(server);
    return server;
  };
}
