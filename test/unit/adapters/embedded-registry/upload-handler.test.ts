import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryContents } from '../../../../src/adapters/embedded-registry/registry-exchange';
import { UploadHandler } from '../../../../src/adapters/embedded-registry/upload-handler';
import { errorCode, freshContents, type HandlerServer, routeOf, serveHandler, sha256 } from './support/serve-handler';

const LIMIT = 64;
let contents: RegistryContents;
let uploads: UploadHandler;
let server: HandlerServer;

beforeAll(async () => {
  contents = freshContents();
  uploads = new UploadHandler(contents, LIMIT);
  server = await serveHandler((x) => uploads.handle(routeOf(x, 'uploads', 'upload'), x));
});
afterAll(() => server.close());

const url = (path: string): string => server.url(path);
const stored = (repo: string, digest: string): string | undefined =>
  contents.store.blob(contents.repository(repo), digest)?.toString('utf8');

async function open(repo: string): Promise<string> {
  const res = await fetch(url(`/v2/${repo}/blobs/uploads/`), { method: 'POST' });
  expect(res.status).toBe(202);
  expect(res.headers.get('range')).toBe('0-0');
  const location = res.headers.get('location') as string;
  expect(location).toMatch(new RegExp(`^/v2/${repo}/blobs/uploads/[0-9a-f-]+$`));
  expect(res.headers.get('docker-upload-uuid')).toBe(location.split('/').pop());
  return location;
}

describe('UploadHandler: monolithic POST ?digest=', () => {
  it('stores the body under its digest and leaves no session open', async () => {
    const res = await fetch(url(`/v2/mono/blobs/uploads/?digest=${sha256('hello')}`), {
      method: 'POST',
      body: 'hello',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v2/mono/blobs/${sha256('hello')}`);
    expect(res.headers.get('docker-content-digest')).toBe(sha256('hello'));
    expect(stored('mono', sha256('hello'))).toBe('hello');
    expect(uploads.openCount).toBe(0);
  });

  it('refuses content with another digest, or a digest that is not sha256, and closes the session', async () => {
    const wrong = await fetch(url(`/v2/mono/blobs/uploads/?digest=${sha256('other')}`), { method: 'POST', body: 'hi' });
    expect([wrong.status, await errorCode(wrong)]).toEqual([400, 'DIGEST_INVALID']);
    expect(stored('mono', sha256('hi'))).toBeUndefined();
    const sha512 = await fetch(url(`/v2/mono/blobs/uploads/?digest=sha512:${'a'.repeat(128)}`), {
      method: 'POST',
      body: 'hi',
    });
    expect([sha512.status, await errorCode(sha512)]).toEqual([400, 'DIGEST_INVALID']);
    expect(uploads.openCount).toBe(0);
  });
});

describe('UploadHandler: sessions', () => {
  it('takes chunks, reports progress and closes against the digest of all of them', async () => {
    const location = await open('chunked');
    const first = await fetch(url(location), { method: 'PATCH', body: 'abc', headers: { 'Content-Range': '0-2' } });
    expect([first.status, first.headers.get('range'), first.headers.get('location')]).toEqual([202, '0-2', location]);
    const second = await fetch(url(location), {
      method: 'PATCH',
      body: 'def',
      headers: { 'Content-Range': 'bytes 3-5' },
    });
    expect(second.headers.get('range')).toBe('0-5');
    const status = await fetch(url(location));
    expect([status.status, status.headers.get('range')]).toEqual([204, '0-5']);
    const done = await fetch(url(`${location}?digest=${sha256('abcdefgh')}`), { method: 'PUT', body: 'gh' });
    expect(done.status).toBe(201);
    expect(done.headers.get('location')).toBe(`/v2/chunked/blobs/${sha256('abcdefgh')}`);
    expect(stored('chunked', sha256('abcdefgh'))).toBe('abcdefgh');
    const gone = await fetch(url(location), { method: 'PATCH', body: 'x' });
    expect([gone.status, await errorCode(gone)]).toEqual([404, 'BLOB_UPLOAD_UNKNOWN']);
  });

  it('refuses a chunk that does not continue what was received, keeping the session', async () => {
    const location = await open('gaps');
    await fetch(url(location), { method: 'PATCH', body: 'abc' });
    for (const range of ['5-5', '0-2', 'garbage']) {
      const res = await fetch(url(location), { method: 'PATCH', body: 'x', headers: { 'Content-Range': range } });
      expect([res.status, await errorCode(res)], range).toEqual([416, 'RANGE_INVALID']);
    }
    expect((await fetch(url(location))).headers.get('range')).toBe('0-2');
  });

  it('needs ?digest= to close a session', async () => {
    const location = await open('nodigest');
    const res = await fetch(url(location), { method: 'PUT', body: 'x' });
    expect([res.status, await errorCode(res)]).toEqual([400, 'DIGEST_INVALID']);
  });

  it('keeps a session to the repository that opened it', async () => {
    const location = await open('owner');
    const id = location.split('/').pop() as string;
    const res = await fetch(url(`/v2/intruder/blobs/uploads/${id}`), { method: 'PATCH', body: 'x' });
    expect([res.status, await errorCode(res)]).toEqual([404, 'BLOB_UPLOAD_UNKNOWN']);
    expect((await fetch(url(location))).status).toBe(204);
  });

  it('cancels a session on DELETE', async () => {
    const before = uploads.openCount;
    const location = await open('cancel');
    expect(uploads.openCount).toBe(before + 1);
    expect((await fetch(url(location), { method: 'DELETE' })).status).toBe(204);
    expect(uploads.openCount).toBe(before);
    expect(await errorCode(await fetch(url(location)))).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('does not store a blob whose session was cancelled while its body was arriving', async () => {
    const location = await open('race');
    let finishBody = (): void => undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(Buffer.from('part'));
        finishBody = () => controller.close();
      },
    });
    const closing = fetch(url(`${location}?digest=${sha256('part')}`), { method: 'PUT', body, duplex: 'half' });
    await expect.poll(async () => (await fetch(url(location))).headers.get('range')).toBe('0-3');
    expect((await fetch(url(location), { method: 'DELETE' })).status).toBe(204);
    finishBody();
    const res = await closing;
    expect([res.status, await errorCode(res)]).toEqual([404, 'BLOB_UPLOAD_UNKNOWN']);
    expect(stored('race', sha256('part'))).toBeUndefined();
  });

  it('drops a session whose blob grows past the limit', async () => {
    const location = await open('big');
    const before = uploads.openCount;
    const res = await fetch(url(location), { method: 'PATCH', body: Buffer.alloc(LIMIT + 1) });
    expect([res.status, await errorCode(res)]).toEqual([400, 'SIZE_INVALID']);
    expect(uploads.openCount).toBe(before - 1);
    const mono = await fetch(url(`/v2/big/blobs/uploads/?digest=${sha256(Buffer.alloc(LIMIT + 1))}`), {
      method: 'POST',
      body: Buffer.alloc(LIMIT + 1),
    });
    expect(await errorCode(mono)).toBe('SIZE_INVALID');
    expect(uploads.openCount).toBe(before - 1);
  });

  it('refuses methods the endpoints do not serve', async () => {
    const list = await fetch(url('/v2/any/blobs/uploads/'));
    expect([list.status, await errorCode(list)]).toEqual([405, 'UNSUPPORTED']);
    const location = await open('methods');
    const post = await fetch(url(location), { method: 'POST' });
    expect([post.status, await errorCode(post)]).toEqual([405, 'UNSUPPORTED']);
  });
});
