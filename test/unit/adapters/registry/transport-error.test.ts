import http from 'node:http';
import { NetworkError } from '../../../../src/ports/registry-errors';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { finished, PassThrough } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TransientFailure } from '../../../../src/adapters/registry/retry-policy';
import { classifyTransportError, isDroppedConnection } from '../../../../src/adapters/registry/transport-error';

/** A loopback server for one test; resolves with its port. */
async function listening(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The error Node's HTTP client raises against `server`. */
async function httpGetError(server: net.Server): Promise<Error> {
  const port = await listening(server);
  try {
    return await new Promise<Error>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, agent: false }, (res) => {
          res.resume();
          reject(new Error(`unexpected answer ${res.statusCode}`));
        })
        .on('error', resolve);
    });
  } finally {
    await close(server);
  }
}

async function refusedError(): Promise<Error> {
  const server = net.createServer();
  const port = await listening(server);
  await close(server);
  return new Promise((resolve) => net.connect(port, '127.0.0.1').on('error', resolve));
}

async function http2StreamError(): Promise<Error> {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.on('error', () => undefined); // the server side sees its own reset too
    stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
  });
  const port = await listening(server);
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    return await new Promise<Error>((resolve) => {
      const request = session.request({ ':path': '/v2/' });
      request.on('error', resolve);
      request.resume();
    });
  } finally {
    session.destroy();
    await close(server);
  }
}

function prematureCloseError(): Promise<Error> {
  const stream = new PassThrough();
  const error = new Promise<Error>((resolve) => finished(stream, (e) => resolve(e as Error)));
  stream.destroy();
  return error;
}

function truncatedGzipError(): Error {
  const gz = gzipSync(Buffer.alloc(64 * 1024, 7));
  try {
    gunzipSync(gz.subarray(0, gz.length / 2));
  } catch (error) {
    return error as Error;
  }
  throw new Error('a truncated gzip stream decoded');
}

/** A connection failure as the retry schedule sees it. */
const asTransient = (error: Error): TransientFailure => {
  const failure = classifyTransportError(error);
  return new TransientFailure(
    failure.message,
    new NetworkError(failure.kind, `x failed: ${failure.message}`, { cause: failure }),
  );
};

describe('transport error classification', () => {
  it('classes a connection reset by the peer (ECONNRESET) as a dropped connection', async () => {
    const server = net.createServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const error = await httpGetError(server);
    const failure = classifyTransportError(error);
    expect(failure).toMatchObject({ kind: 'reset', code: 'ECONNRESET' });
    expect(isDroppedConnection(failure)).toBe(true);
    expect(asTransient(error).kind).toBe('dropped-connection');
  });

  it('classes a server closing before it answers (socket hang up) as a dropped connection', async () => {
    const server = net.createServer((socket) => socket.once('data', () => socket.end()));
    const error = await httpGetError(server);
    expect(error.message).toMatch(/socket hang up/);
    expect(classifyTransportError(error).kind).toBe('reset');
    expect(asTransient(error).kind).toBe('dropped-connection');
  });

  it('classes a premature close (a body cut short) as a dropped connection', async () => {
    const error = await prematureCloseError();
    expect(classifyTransportError(error)).toMatchObject({ kind: 'reset', code: 'ERR_STREAM_PREMATURE_CLOSE' });
    expect(asTransient(error).kind).toBe('dropped-connection');
  });

  it('classes an unexpected end of a compressed stream (Go: io.ErrUnexpectedEOF) as a dropped connection', () => {
    const error = truncatedGzipError();
    expect(error.message).toMatch(/unexpected end of file/);
    expect(classifyTransportError(error).kind).toBe('reset');
  });

  it('classes an HTTP/2 stream reset (Go: http2.StreamError) as a dropped connection', async () => {
    const error = await http2StreamError();
    expect(classifyTransportError(error)).toMatchObject({ kind: 'reset', code: 'ERR_HTTP2_STREAM_ERROR' });
  });

  it('does not class refused connections, timeouts or DNS failures as dropped', async () => {
    const refused = classifyTransportError(await refusedError());
    expect(refused).toMatchObject({ kind: 'refused', code: 'ECONNREFUSED' });
    const timeout = classifyTransportError(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }));
    const dns = classifyTransportError(Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }));
    for (const failure of [refused, timeout, dns]) expect(isDroppedConnection(failure)).toBe(false);
    expect(asTransient(await refusedError()).kind).toBe('other');
  });

  it('finds the code through wrapping causes, as axios wraps Node errors', () => {
    const node = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const wrapped = Object.assign(new Error('request failed', { cause: node }), { code: 'ERR_NETWORK' });
    expect(classifyTransportError(wrapped)).toMatchObject({ kind: 'reset', code: 'ECONNRESET' });
  });
});
