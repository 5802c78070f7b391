import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RegistryExchange } from '../../../../src/adapters/embedded-registry/registry-exchange';
import type { RegistryRoute } from '../../../../src/adapters/embedded-registry/registry-route';
import { type RegistryHandlers, RegistryRouter } from '../../../../src/adapters/embedded-registry/registry-router';
import { errorCode, type HandlerServer, serveHandler, sha256 } from './support/serve-handler';

/** Handlers that record what reached them and answer with their own name. */
class RecordingHandlers implements RegistryHandlers {
  readonly calls: { handler: string; route?: RegistryRoute }[] = [];
  mountAnswers = false;

  private answer(handler: string, route: RegistryRoute, x: RegistryExchange): void {
    this.calls.push({ handler, route });
    x.res.writeHead(200, { 'X-Handler': handler }).end();
  }

  readonly blobs = {
    handle: (route: RegistryRoute, x: RegistryExchange) => this.answer('blobs', route, x),
    mount: (name: string, x: RegistryExchange): boolean => {
      this.calls.push({ handler: `mount ${name}` });
      if (this.mountAnswers) x.res.writeHead(201, { 'X-Handler': 'mount' }).end();
      return this.mountAnswers;
    },
  };
  readonly manifests = { handle: (route: RegistryRoute, x: RegistryExchange) => this.answer('manifests', route, x) };
  readonly uploads = { handle: (route: RegistryRoute, x: RegistryExchange) => this.answer('uploads', route, x) };
}

let handlers: RecordingHandlers;
let server: HandlerServer;
const digest = sha256('x');

beforeAll(async () => {
  handlers = new RecordingHandlers();
  const router = new RegistryRouter(handlers);
  server = await serveHandler((x) => router.route(x));
});
beforeEach(() => {
  handlers.calls.length = 0;
  handlers.mountAnswers = false;
});
afterAll(() => server.close());

describe('RegistryRouter', () => {
  it('answers the version check itself, on GET and HEAD only', async () => {
    const get = await fetch(server.url('/v2/'));
    expect([get.status, get.headers.get('content-type'), await get.text()]).toEqual([200, 'application/json', '{}']);
    const head = await fetch(server.url('/v2'), { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
    const post = await fetch(server.url('/v2/'), { method: 'POST' });
    expect([post.status, await errorCode(post)]).toEqual([405, 'UNSUPPORTED']);
    expect(handlers.calls).toEqual([]);
  });

  it('hands each endpoint to the handler of its concern, with its route', async () => {
    for (const [method, path, handler, route] of [
      ['GET', `/v2/a/b/blobs/${digest}`, 'blobs', { kind: 'blob', name: 'a/b', digest }],
      ['HEAD', '/v2/app/manifests/v1', 'manifests', { kind: 'manifest', name: 'app', reference: 'v1' }],
      ['GET', '/v2/app/tags/list', 'manifests', { kind: 'tags', name: 'app' }],
      ['PATCH', '/v2/app/blobs/uploads/id-1', 'uploads', { kind: 'upload', name: 'app', id: 'id-1' }],
      ['GET', '/v2/app/blobs/uploads/', 'uploads', { kind: 'uploads', name: 'app' }],
    ] as const) {
      handlers.calls.length = 0;
      const res = await fetch(server.url(path), { method });
      expect(res.headers.get('x-handler'), path).toBe(handler);
      expect(handlers.calls, path).toEqual([{ handler, route }]);
    }
  });

  it('offers a POST to the uploads endpoint to mount first, and to the uploads handler when not mounted', async () => {
    handlers.mountAnswers = true;
    const mounted = await fetch(server.url(`/v2/app/blobs/uploads/?mount=${digest}&from=b`), { method: 'POST' });
    expect([mounted.status, mounted.headers.get('x-handler')]).toEqual([201, 'mount']);
    expect(handlers.calls).toEqual([{ handler: 'mount app' }]);

    handlers.calls.length = 0;
    handlers.mountAnswers = false;
    const session = await fetch(server.url('/v2/app/blobs/uploads/'), { method: 'POST' });
    expect(session.headers.get('x-handler')).toBe('uploads');
    expect(handlers.calls.map((c) => c.handler)).toEqual(['mount app', 'uploads']);
  });

  it('refuses paths outside the API and invalid repository names before any handler', async () => {
    for (const path of ['/v1/app/tags/list', '/v2/app/unknown', '/v2/%E0%A4%A/tags/list', '/']) {
      const res = await fetch(server.url(path));
      expect([res.status, await errorCode(res)], path).toEqual([405, 'UNSUPPORTED']);
    }
    for (const path of ['/v2/UPPER/tags/list', '/v2/a//b/manifests/v1', `/v2/-lead/blobs/${digest}`]) {
      const res = await fetch(server.url(path));
      expect([res.status, await errorCode(res)], path).toEqual([400, 'NAME_INVALID']);
    }
    expect(handlers.calls).toEqual([]);
  });
});
