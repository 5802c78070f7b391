import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestHandler } from '../../../../src/adapters/embedded-registry/manifest-handler';
import type { RegistryContents } from '../../../../src/adapters/embedded-registry/registry-exchange';
import { MediaType } from '../../../../src/domain/media-types';
import { errorCode, freshContents, type HandlerServer, routeOf, serveHandler, sha256 } from './support/serve-handler';

let contents: RegistryContents;
let server: HandlerServer;
const CONFIG = '{}';
const LAYER = 'layer';

beforeAll(async () => {
  contents = freshContents();
  for (const repo of ['app', 'tags', 'gone'])
    for (const blob of [CONFIG, LAYER]) contents.store.putBlob(contents.repository(repo), Buffer.from(blob));
  const manifests = new ManifestHandler(contents);
  server = await serveHandler((x) => manifests.handle(routeOf(x, 'manifest', 'tags'), x));
});
afterAll(() => server.close());

function image(mediaType: string, layers: readonly object[] = [layerDescriptor(sha256(LAYER))]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: MediaType.OciConfig, digest: sha256(CONFIG), size: 2 },
      layers,
    }),
  );
}
function layerDescriptor(digest: string, extra: object = {}): object {
  return { mediaType: MediaType.OciLayerGzip, digest, size: 5, ...extra };
}
function index(mediaType: string, children: readonly string[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      manifests: children.map((digest) => ({ mediaType: MediaType.OciManifest, digest, size: 1 })),
    }),
  );
}

const manifestUrl = (repo: string, reference: string): string => server.url(`/v2/${repo}/manifests/${reference}`);
const put = (repo: string, reference: string, body: Buffer | string, contentType?: string): Promise<Response> =>
  fetch(manifestUrl(repo, reference), {
    method: 'PUT',
    body,
    headers: contentType ? { 'Content-Type': contentType } : {},
  });

describe('ManifestHandler: PUT', () => {
  it('stores a manifest under its tag and answers with its digest and location', async () => {
    const body = image(MediaType.OciManifest);
    const res = await put('app', 'v1', body, MediaType.OciManifest);
    expect(res.status).toBe(201);
    expect(res.headers.get('docker-content-digest')).toBe(sha256(body));
    expect(res.headers.get('location')).toBe(`/v2/app/manifests/${sha256(body)}`);
    expect(contents.store.manifest(contents.repository('app'), 'v1')?.digest).toBe(sha256(body));
  });

  it("takes the media type from Content-Type, else from the manifest's own mediaType", async () => {
    const docker = image(MediaType.DockerManifest);
    expect((await put('app', 'plain', docker, 'application/json')).status).toBe(201);
    expect(contents.store.manifest(contents.repository('app'), 'plain')?.mediaType).toBe(MediaType.DockerManifest);
    const undeclared = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        config: JSON.parse(image(MediaType.OciManifest).toString()).config,
        layers: [],
      }),
    );
    expect((await put('app', 'header', undeclared, `${MediaType.OciManifest}; charset=utf-8`)).status).toBe(201);
    expect(contents.store.manifest(contents.repository('app'), 'header')?.mediaType).toBe(MediaType.OciManifest);
  });

  it('accepts an index whose children are here, and foreign layers that live elsewhere', async () => {
    const child = image(MediaType.OciManifest);
    await put('app', sha256(child), child, MediaType.OciManifest);
    expect((await put('app', 'multi', index(MediaType.OciIndex, [sha256(child)]), MediaType.OciIndex)).status).toBe(
      201,
    );
    const foreign = image(MediaType.OciManifest, [
      layerDescriptor(sha256('windows base'), { urls: ['https://example.invalid/base'] }),
    ]);
    expect((await put('app', 'foreign', foreign, MediaType.OciManifest)).status).toBe(201);
  });

  it('refuses manifests that are malformed, of another schema, or disagree with their Content-Type', async () => {
    for (const [label, body, type] of [
      ['not JSON', 'nope', MediaType.OciManifest],
      ['schema 1', JSON.stringify({ schemaVersion: 1, name: 'app' }), MediaType.OciManifest],
      ['unknown type', JSON.stringify({ schemaVersion: 2, mediaType: 'text/plain' }), 'text/plain'],
      ['disagreeing', image(MediaType.DockerManifest), MediaType.OciManifest],
    ] as const) {
      const res = await put('app', 'bad', body, type);
      expect([res.status, await errorCode(res)], label).toEqual([400, 'MANIFEST_INVALID']);
    }
    const badReference = await put('app', '-not-a-tag', image(MediaType.OciManifest), MediaType.OciManifest);
    expect(await errorCode(badReference)).toBe('MANIFEST_INVALID');
    expect(contents.store.manifest(contents.repository('app'), 'bad')).toBeUndefined();
  });

  it('refuses manifests pointing at missing blobs or children', async () => {
    const missingLayer = image(MediaType.OciManifest, [layerDescriptor(sha256('never uploaded'))]);
    const layerRes = await put('app', 'missing', missingLayer, MediaType.OciManifest);
    expect([layerRes.status, await errorCode(layerRes)]).toEqual([400, 'MANIFEST_BLOB_UNKNOWN']);
    const missingChild = index(MediaType.DockerManifestList, [sha256('no such manifest')]);
    const childRes = await put('app', 'missing', missingChild, MediaType.DockerManifestList);
    expect([childRes.status, await errorCode(childRes)]).toEqual([400, 'MANIFEST_BLOB_UNKNOWN']);
    // Blobs of another repository do not count.
    const elsewhere = await put('empty', 'x', image(MediaType.OciManifest), MediaType.OciManifest);
    expect(await errorCode(elsewhere)).toBe('MANIFEST_BLOB_UNKNOWN');
  });

  it('refuses a digest reference the content does not have, and oversized manifests', async () => {
    const lie = await put('app', sha256('other'), image(MediaType.OciManifest), MediaType.OciManifest);
    expect([lie.status, await errorCode(lie)]).toEqual([400, 'DIGEST_INVALID']);
    const huge = await put('app', 'huge', Buffer.alloc(4 * 1024 * 1024 + 1, 0x20), MediaType.OciManifest);
    expect([huge.status, await errorCode(huge)]).toEqual([400, 'SIZE_INVALID']);
  });
});

describe('ManifestHandler: GET, HEAD, DELETE', () => {
  it('serves a manifest by tag and by digest with its media type and digest', async () => {
    const body = image(MediaType.DockerManifest);
    await put('app', 'served', body, MediaType.DockerManifest);
    for (const reference of ['served', sha256(body)]) {
      const get = await fetch(manifestUrl('app', reference));
      expect(get.status).toBe(200);
      expect(get.headers.get('content-type')).toBe(MediaType.DockerManifest);
      expect(get.headers.get('docker-content-digest')).toBe(sha256(body));
      expect(get.headers.get('etag')).toBe(`"${sha256(body)}"`);
      expect(Buffer.from(await get.arrayBuffer()).equals(body)).toBe(true);
      const head = await fetch(manifestUrl('app', reference), { method: 'HEAD' });
      expect(head.headers.get('content-length')).toBe(String(body.length));
      expect(await head.text()).toBe('');
    }
  });

  it('tells an unknown repository from an unknown manifest', async () => {
    const repo = await fetch(manifestUrl('nowhere', 'latest'));
    expect([repo.status, await errorCode(repo)]).toEqual([404, 'NAME_UNKNOWN']);
    const manifest = await fetch(manifestUrl('app', 'never-pushed'));
    expect([manifest.status, await errorCode(manifest)]).toEqual([404, 'MANIFEST_UNKNOWN']);
  });

  it('deletes only the tag by tag, and the manifest with all its tags by digest', async () => {
    const body = image(MediaType.OciManifest);
    await put('gone', 'a', body, MediaType.OciManifest);
    await put('gone', 'b', body, MediaType.OciManifest);
    expect((await fetch(manifestUrl('gone', 'a'), { method: 'DELETE' })).status).toBe(202);
    expect(contents.store.tags(contents.repository('gone'))).toEqual(['b']);
    expect(contents.store.manifest(contents.repository('gone'), sha256(body))).toBeDefined();
    expect((await fetch(manifestUrl('gone', sha256(body)), { method: 'DELETE' })).status).toBe(202);
    expect(contents.store.tags(contents.repository('gone'))).toEqual([]);
    const again = await fetch(manifestUrl('gone', sha256(body)), { method: 'DELETE' });
    expect([again.status, await errorCode(again)]).toEqual([404, 'MANIFEST_UNKNOWN']);
  });

  it('refuses other methods', async () => {
    const res = await fetch(manifestUrl('app', 'v1'), { method: 'POST', body: '{}' });
    expect([res.status, await errorCode(res)]).toEqual([405, 'UNSUPPORTED']);
  });
});

describe('ManifestHandler: tags list', () => {
  const tagsUrl = (repo: string, query = ''): string => server.url(`/v2/${repo}/tags/list${query}`);

  beforeAll(async () => {
    for (const tag of ['v3', 'v1', 'v2', 'latest'])
      await put('tags', tag, image(MediaType.OciManifest), MediaType.OciManifest);
  });

  it('lists every tag in lexical order without n', async () => {
    const res = await fetch(tagsUrl('tags'));
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ name: 'tags', tags: ['latest', 'v1', 'v2', 'v3'] });
    expect(res.headers.get('link')).toBeNull();
  });

  it('pages with n and last, linking the next page only while tags remain', async () => {
    const first = await fetch(tagsUrl('tags', '?n=3'));
    expect(await first.json()).toEqual({ name: 'tags', tags: ['latest', 'v1', 'v2'] });
    expect(first.headers.get('link')).toBe('</v2/tags/tags/list?n=3&last=v2>; rel="next"');
    const last = await fetch(tagsUrl('tags', '?n=3&last=v2'));
    expect(await last.json()).toEqual({ name: 'tags', tags: ['v3'] });
    expect(last.headers.get('link')).toBeNull();
  });

  it('refuses an unknown repository, a bad n and methods other than GET', async () => {
    const unknown = await fetch(tagsUrl('nowhere'));
    expect([unknown.status, await errorCode(unknown)]).toEqual([404, 'NAME_UNKNOWN']);
    for (const n of ['-1', '1.5', 'many']) {
      const res = await fetch(tagsUrl('tags', `?n=${n}`));
      expect([res.status, await errorCode(res)], n).toEqual([405, 'UNSUPPORTED']);
    }
    const del = await fetch(tagsUrl('tags'), { method: 'DELETE' });
    expect([del.status, await errorCode(del)]).toEqual([405, 'UNSUPPORTED']);
  });
});
