import { IncomingMessage, request, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  methodNotAllowed,
  OCI_ERROR_STATUS,
  OciError,
  toOciError,
} from '../../../../src/adapters/embedded-registry/oci-error';
import { toExchange } from '../../../../src/adapters/embedded-registry/registry-exchange';
import { type HandlerServer, serveHandler } from './support/serve-handler';

describe('OciError', () => {
  it('renders the distribution-spec error body, with detail only when given', () => {
    expect(JSON.parse(new OciError('BLOB_UNKNOWN', 'blob x not found', { digest: 'x' }).body())).toEqual({
      errors: [{ code: 'BLOB_UNKNOWN', message: 'blob x not found', detail: { digest: 'x' } }],
    });
    expect(JSON.parse(new OciError('NAME_INVALID', 'bad name').body())).toEqual({
      errors: [{ code: 'NAME_INVALID', message: 'bad name' }],
    });
  });

  it('carries the status of its code', () => {
    expect(new OciError('MANIFEST_UNKNOWN', 'm').status).toBe(404);
    expect(new OciError('RANGE_INVALID', 'r').status).toBe(416);
    for (const [code, status] of Object.entries(OCI_ERROR_STATUS)) {
      expect(new OciError(code as keyof typeof OCI_ERROR_STATUS, code).status).toBe(status);
    }
  });

  it('turns anything else thrown into an UNSUPPORTED internal error, keeping its message', () => {
    const same = new OciError('SIZE_INVALID', 'too big');
    expect(toOciError(same)).toBe(same);
    expect(toOciError(new Error('disk full'))).toMatchObject({
      code: 'UNSUPPORTED',
      message: 'internal error: disk full',
    });
    expect(toOciError('plain')).toMatchObject({ code: 'UNSUPPORTED', message: 'internal error: plain' });
  });

  it('names the method and path a 405 refuses', async () => {
    const req = new IncomingMessage(new Socket());
    req.method = 'PATCH';
    req.url = '/v2/app/tags/list?n=1';
    const error = methodNotAllowed(toExchange(req, new ServerResponse(req)));
    expect([error.code, error.message]).toEqual(['UNSUPPORTED', 'PATCH is not supported on /v2/app/tags/list']);
  });
});

describe('answerWithError', () => {
  let server: HandlerServer;
  let lastRequest: IncomingMessage | undefined;
  beforeAll(async () => {
    // The harness answers every throw with answerWithError.
    server = await serveHandler(async (x) => {
      lastRequest = x.req;
      if (x.url.pathname === '/midway') {
        x.res.writeHead(200, { 'Content-Length': 100 });
        x.res.write('partial');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (x.url.pathname === '/partly-read') {
        // A handler that gave up after the first chunk, leaving the rest of the body unread.
        await new Promise((resolve) => x.req.once('data', resolve));
        x.req.pause();
      }
      throw new OciError('MANIFEST_INVALID', 'not a manifest', { reason: 'test' });
    });
  });
  afterAll(() => server.close());

  it('answers with the status, JSON type and body of the error', async () => {
    const res = await fetch(server.url('/v2/x'));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({
      errors: [{ code: 'MANIFEST_INVALID', message: 'not a manifest', detail: { reason: 'test' } }],
    });
  });

  it('sends no body to HEAD', async () => {
    const res = await fetch(server.url('/v2/x'), { method: 'HEAD' });
    expect([res.status, await res.text()]).toEqual([400, '']);
  });

  it('reads the rest of a body the handler left unread, so the connection stays usable', async () => {
    // node's client keeps sending its whole body (fetch gives up once it has the answer).
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(server.url('/partly-read'), { method: 'PUT' }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end(Buffer.alloc(8 * 1024 * 1024));
    });
    expect(status).toBe(400);
    await expect.poll(() => lastRequest?.readableEnded, { timeout: 3000 }).toBe(true);
  });

  it('cuts the connection when the response had already started', async () => {
    const res = await fetch(server.url('/midway'));
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });
});
