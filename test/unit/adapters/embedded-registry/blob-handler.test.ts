import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobHandler } from '../../../../src/adapters/embedded-registry/blob-handler';
import type { RegistryContents } from '../../../../src/adapters/embedded-registry/registry-exchange';
import { errorCode, freshContents, type HandlerServer, routeOf, serveHandler, sha256 } from './support/serve-handler';

let contents: RegistryContents;
let server: HandlerServer;
// What mount() answered for the last POST; the harness replies 299 when it left the request alone.
let mounted: boolean | undefined;
const CONTENT = '0123456789';
const digest = sha256(CONTENT);

beforeAll(async () => {
  contents = freshContents();
  contents.store.putBlob(contents.repository('app'), Buffer.from(CONTENT));
  const blobs = new BlobHandler(contents);
  server = await serveHandler((x) => {
    if (x.method === 'POST') {
      mounted = blobs.mount(routeOf(x, 'uploads').name, x);
      if (!mounted) x.res.writeHead(299).end();
      return;
    }
    return blobs.handle(routeOf(x, 'blob'), x);
  });
});
afterAll(() => server.close());

const blobUrl = (repo: string, d = digest): string => server.url(`/v2/${repo}/blobs/${d}`);

describe('BlobHandler.handle', () => {
  it('serves a whole blob with its digest, length and range support', async () => {
    const res = await fetch(blobUrl('app'));
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-content-digest')).toBe(digest);
    expect(res.headers.get('content-length')).toBe('10');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('etag')).toBe(`"${digest}"`);
    expect(await res.text()).toBe(CONTENT);
  });

  it('answers HEAD with the headers and no body, ignoring Range', async () => {
    const res = await fetch(blobUrl('app'), { method: 'HEAD', headers: { Range: 'bytes=0-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('10');
    expect(await res.text()).toBe('');
  });

  it('serves closed, open and suffix byte ranges with Content-Range', async () => {
    for (const [range, status, contentRange, body] of [
      ['bytes=2-5', 206, 'bytes 2-5/10', '2345'],
      ['bytes=7-', 206, 'bytes 7-9/10', '789'],
      ['bytes=-3', 206, 'bytes 7-9/10', '789'],
      ['bytes=0-1,4-5', 200, null, CONTENT],
    ] as const) {
      const res = await fetch(blobUrl('app'), { headers: { Range: range } });
      expect(res.status, range).toBe(status);
      expect(res.headers.get('content-range'), range).toBe(contentRange);
      expect(await res.text(), range).toBe(body);
    }
  });

  it('answers 416 with the blob size when the range lies beyond it', async () => {
    const res = await fetch(blobUrl('app'), { headers: { Range: 'bytes=10-' } });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe('bytes */10');
    expect(await res.text()).toBe('');
  });

  it('refuses non-digests, unknown blobs, blobs of other repositories and other methods', async () => {
    const notDigest = await fetch(blobUrl('app', 'latest'));
    expect([notDigest.status, await errorCode(notDigest)]).toEqual([400, 'DIGEST_INVALID']);
    const unknown = await fetch(blobUrl('app', sha256('absent')));
    expect([unknown.status, await errorCode(unknown)]).toEqual([404, 'BLOB_UNKNOWN']);
    // The store pools bytes, but a repository only serves the blobs it links.
    const elsewhere = await fetch(blobUrl('other'));
    expect([elsewhere.status, await errorCode(elsewhere)]).toEqual([404, 'BLOB_UNKNOWN']);
    const put = await fetch(blobUrl('app'), { method: 'PUT', body: 'x' });
    expect([put.status, await errorCode(put)]).toEqual([405, 'UNSUPPORTED']);
  });
});

describe('BlobHandler.mount', () => {
  const mountUrl = (target: string, query: string): string => server.url(`/v2/${target}/blobs/uploads/?${query}`);

  it('links a blob the source repository holds and answers 201 with its location', async () => {
    const res = await fetch(mountUrl('target', `mount=${digest}&from=app`), { method: 'POST' });
    expect(mounted).toBe(true);
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/v2/target/blobs/${digest}`);
    expect(res.headers.get('docker-content-digest')).toBe(digest);
    expect(contents.store.hasBlob(contents.repository('target'), digest)).toBe(true);
  });

  it('leaves the request to an upload session when it is no mount or cannot be one', async () => {
    for (const query of [
      `digest=${digest}`,
      `mount=${digest}`,
      `mount=${sha256('absent')}&from=app`,
      `mount=${digest}&from=Not/Valid`,
      `mount=${digest}&from=empty`,
    ]) {
      const res = await fetch(mountUrl('fallback', query), { method: 'POST' });
      expect(mounted, query).toBe(false);
      expect(res.status, query).toBe(299);
    }
    expect(contents.store.hasBlob(contents.repository('fallback'), digest)).toBe(false);
  });

  it('refuses a mount of something that is not a digest', async () => {
    mounted = undefined;
    const res = await fetch(mountUrl('target', 'mount=latest&from=app'), { method: 'POST' });
    expect(mounted).toBeUndefined();
    expect([res.status, await errorCode(res)]).toEqual([400, 'DIGEST_INVALID']);
  });
});
