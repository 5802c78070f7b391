// Proves the integration harness against the real registry, skopeo and our own fault proxy,
// so a failing product test can be trusted to be about the product.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Parser } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from './support/http-client';
import {
  isBlobGet,
  isManifestGet,
  redirectTo,
  startBlobHost,
  startProxy,
  stripHeaders,
  failTimes,
  truncate,
} from './support/http-proxy';
import {
  MANIFEST_ACCEPT,
  MediaTypes,
  buildImage,
  buildIndex,
  deleteTag,
  getManifest,
  layerFromFiles,
  pushImage,
  pushIndex,
  randomImage,
  sha256Digest,
} from './support/image-fixtures';
import { getTestPki } from './support/pki';
import { startRegistry, withRegistry, type RunningRegistry } from './support/registry-server';
import { parseScope, startTokenServer } from './support/token-server';

const exec = promisify(execFile);

describe('plain registry', () => {
  const reg = withRegistry();

  it('starts on a free loopback port and answers /v2/', async () => {
    const r = reg.get();
    expect(r.host).toMatch(/^127\.0\.0\.1:\d+$/);
    const res = await fetch(`${r.url}/v2/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('stores a pushed image and returns the same manifest bytes with the right Accept header', async () => {
    const layer = layerFromFiles(
      [
        { path: 'etc/', type: 'dir' },
        { path: 'etc/hello', content: 'hi\n', mode: 0o600, uid: 1000, gid: 1000 },
        { path: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
      ],
      { compression: 'gzip' },
    );
    const image = buildImage({ layers: [layer], config: { Env: ['A=1'], Cmd: ['sh'] }, mediaTypes: 'docker' });
    const digest = await pushImage(reg.get(), 'harness/plain', 'v1', image);
    expect(digest).toBe(image.digest);

    const res = await fetch(`${reg.get().url}/v2/harness/plain/manifests/v1`, { headers: { Accept: MANIFEST_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-content-digest')).toBe(image.digest);
    expect(res.headers.get('content-type')).toBe(MediaTypes.dockerManifest);
    expect(Buffer.from(await res.arrayBuffer()).equals(image.manifestBytes)).toBe(true);

    const blob = await fetch(`${reg.get().url}/v2/harness/plain/blobs/${layer.digest}`);
    const blobBytes = Buffer.from(await blob.arrayBuffer());
    expect(sha256Digest(blobBytes)).toBe(layer.digest);
    expect(sha256Digest(gunzipSync(blobBytes))).toBe(layer.diffId);
  });

  it('pushes an OCI index with its children and deletes a tag by digest', async () => {
    const amd = randomImage('idx-amd64', { platform: { os: 'linux', architecture: 'amd64' } });
    const arm = randomImage('idx-arm64', { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    const index = buildIndex([amd, arm]);
    expect(await pushIndex(reg.get(), 'harness/index', 'multi', index)).toBe(index.digest);
    const got = await getManifest(reg.get(), 'harness/index', 'multi');
    expect(got).toMatchObject({ status: 200, digest: index.digest, mediaType: MediaTypes.ociIndex });
    expect((await getManifest(reg.get(), 'harness/index', arm.digest)).status).toBe(200);

    await pushImage(reg.get(), 'harness/index', 'gone', randomImage('to-delete'));
    await deleteTag(reg.get(), 'harness/index', 'gone');
    expect((await getManifest(reg.get(), 'harness/index', 'gone')).status).toBe(404);
  });

  it('is read by skopeo, an independent client', async () => {
    const image = randomImage('skopeo', { mediaTypes: 'docker' });
    await pushImage(reg.get(), 'harness/skopeo', 'latest', image);
    const { stdout } = await exec('skopeo', [
      'inspect',
      '--tls-verify=false',
      `docker://${reg.get().host}/harness/skopeo:latest`,
    ]);
    const inspected = JSON.parse(stdout) as { Digest: string; Env: string[]; Layers: string[]; Architecture: string };
    expect(inspected.Digest).toBe(image.digest);
    expect(inspected.Env).toEqual(['SEED=skopeo']);
    expect(inspected.Layers).toEqual(image.layers.map((l) => l.digest));
    expect(inspected.Architecture).toBe('amd64');
  });

  it('fails loudly with the log tail when the registry cannot start', async () => {
    await expect(startRegistry({ proxy: { remoteUrl: 'http://127.0.0.1:1' }, startTimeoutMs: 5000 })).rejects.toThrow(
      /docker-registry did not start[\s\S]*log tail/,
    );
  });
});

describe('layer fixtures', () => {
  const entries = [
    { path: '../escape', content: 'x' },
    { path: '/abs/file', content: 'y' },
    { path: 'dir/.wh.removed' },
    { path: 'dir/.wh..wh..opq' },
    { path: 'hard', type: 'link' as const, linkname: 'dir/.wh.removed' },
    { path: `${'long/'.repeat(30)}name`, content: 'long', mtime: new Date('2021-02-03T04:05:06Z') },
  ];

  it('writes hostile entries verbatim, readable by node-tar', async () => {
    const layer = layerFromFiles(entries, { compression: 'none' });
    expect(layer.diffId).toBe(layer.digest);
    const seen: Array<{ path: string; type: string; mtime?: Date }> = [];
    const parser = new Parser({
      onReadEntry: (e) => {
        seen.push({ path: e.path, type: e.type, mtime: e.mtime });
        e.resume();
      },
    });
    await new Promise<void>((resolve, reject) => {
      parser.on('end', () => resolve());
      parser.on('error', reject);
      parser.end(layer.tar);
    });
    expect(seen.map((e) => e.path)).toEqual(entries.map((e) => e.path));
    expect(seen[4]?.type).toBe('Link');
    expect(seen[5]?.mtime?.toISOString()).toBe('2021-02-03T04:05:06.000Z');
  });

  it('compresses with gzip and zstd, diffId being the digest of the tar', () => {
    for (const compression of ['gzip', 'zstd'] as const) {
      const layer = layerFromFiles(entries, { compression });
      expect(layer.digest).toBe(sha256Digest(layer.bytes));
      const tar =
        compression === 'gzip' ? gunzipSync(layer.bytes) : spawnSync('zstd', ['-dc'], { input: layer.bytes }).stdout;
      expect(sha256Digest(tar)).toBe(layer.diffId);
    }
    expect(layerFromFiles(entries, { compression: 'zstd' }).mediaType).toBe(MediaTypes.ociLayerZstd);
  });
});

describe('htpasswd registry', () => {
  const reg = withRegistry({ auth: { htpasswd: { users: { alice: 's3cr:et' } } } });

  it('answers 401 with a Basic challenge without credentials, 200 with them', async () => {
    const anon = await fetch(`${reg.get().url}/v2/`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const basic = `Basic ${Buffer.from('alice:s3cr:et').toString('base64')}`;
    expect((await fetch(`${reg.get().url}/v2/`, { headers: { Authorization: basic } })).status).toBe(200);
    const wrong = `Basic ${Buffer.from('alice:nope').toString('base64')}`;
    expect((await fetch(`${reg.get().url}/v2/`, { headers: { Authorization: wrong } })).status).toBe(401);
  });

  it('accepts a push that answers the Basic challenge, and refuses an anonymous one', async () => {
    const image = randomImage('basic');
    expect(await pushImage(reg.get(), 'harness/basic', 'v1', image)).toBe(image.digest);
    await expect(pushImage({ url: reg.get().url }, 'harness/basic', 'v2', image)).rejects.toThrow(/401/);
  });
});

describe('TLS registry', () => {
  const reg = withRegistry({ tls: true });

  it('serves https that verifies with the test CA only', async () => {
    const r = reg.get();
    expect(r.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await httpRequest({ url: `${r.url}/v2/`, caPem: r.caPem });
    expect(res.status).toBe(200);
    await expect(httpRequest({ url: `${r.url}/v2/` })).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    const image = randomImage('tls');
    await pushImage(r, 'harness/tls', 'v1', image);
    expect((await getManifest(r, 'harness/tls', 'v1')).digest).toBe(image.digest);
  });

  it('requires a client certificate in mTLS mode', async () => {
    const pki = await getTestPki();
    const r = await startRegistry({ tls: { requireClientCert: true } });
    try {
      await expect(httpRequest({ url: `${r.url}/v2/`, caPem: pki.caPem })).rejects.toThrow();
      const ok = await httpRequest({
        url: `${r.url}/v2/`,
        caPem: pki.caPem,
        clientCertPem: pki.clientCertPem,
        clientKeyPem: pki.clientKeyPem,
      });
      expect(ok.status).toBe(200);
    } finally {
      await r.stop();
    }
  });
});

describe('token-auth registry', () => {
  it('runs the Bearer flow through the token server and records scopes, anonymous pull only', async () => {
    const tokens = await startTokenServer({ users: { alice: 'secret' } });
    const r = await startRegistry({ auth: { token: tokens } });
    try {
      const anon = await fetch(`${r.url}/v2/`);
      expect(anon.status).toBe(401);
      expect(anon.headers.get('www-authenticate')).toContain(`Bearer realm="${tokens.url}",service="test-registry"`);

      const image = randomImage('token');
      await pushImage({ url: r.url, username: 'alice', password: 'secret' }, 'harness/token', 'v1', image);
      // the registry lists actions in random order (`pull,push` or `push,pull`): compare as sets
      const pushGrants = tokens.requests.filter(
        (t) =>
          t.user === 'alice' &&
          t.outcome === 'issued' &&
          t.scopes.some((s) => {
            const scope = parseScope(s);
            return scope?.name === 'harness/token' && [...scope.actions].sort().join(',') === 'pull,push';
          }),
      );
      expect(pushGrants.length).toBeGreaterThan(0);
      expect(JSON.stringify(tokens.requests)).not.toContain('secret');

      // anonymous gets a pull-only token: reading works, pushing does not
      expect((await getManifest({ url: r.url }, 'harness/token', 'v1')).digest).toBe(image.digest);
      await expect(pushImage({ url: r.url }, 'harness/token', 'v2', randomImage('anon'))).rejects.toThrow(/401/);
      await expect(
        pushImage({ url: r.url, username: 'alice', password: 'wrong' }, 'harness/token', 'v3', image),
      ).rejects.toThrow(/401/);
      expect(tokens.requests.some((t) => t.user === 'alice' && t.outcome === 'denied')).toBe(true);

      const grant = await httpRequest({
        url: tokens.url,
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'alice',
          password: 'secret',
          service: tokens.service,
          scope: 'repository:harness/token:pull',
        }).toString(),
      });
      const body = grant.json<{ token: string; access_token: string; refresh_token: string }>();
      expect(body.access_token).toBe(body.token);
      const tags = await fetch(`${r.url}/v2/harness/token/tags/list`, {
        headers: { Authorization: `Bearer ${body.token}` },
      });
      expect(await tags.json()).toEqual({ name: 'harness/token', tags: ['v1'] });
    } finally {
      await r.stop();
      await tokens.stop();
    }
  });

  it('is accepted with an x5c token header too', async () => {
    const tokens = await startTokenServer({ users: { bob: 'pw' }, keyStyle: 'x5c' });
    const r = await startRegistry({ auth: { token: tokens }, storage: 'inmemory' });
    try {
      const image = randomImage('x5c');
      expect(await pushImage({ url: r.url, username: 'bob', password: 'pw' }, 'harness/x5c', 'v1', image)).toBe(
        image.digest,
      );
    } finally {
      await r.stop();
      await tokens.stop();
    }
  });
});

describe('fault proxy and blob host', () => {
  const reg = withRegistry();
  const image = randomImage('proxied');
  beforeAll(async () => {
    await pushImage(reg.get(), 'harness/proxied', 'v1', image);
  });

  it('strips Docker-Content-Digest and counts requests', async () => {
    const proxy = await startProxy(reg.get().url, [stripHeaders(['Docker-Content-Digest'], isManifestGet)]);
    try {
      const direct = await getManifest(reg.get(), 'harness/proxied', 'v1');
      expect(direct.digest).toBe(image.digest);
      const via = await getManifest({ url: proxy.url }, 'harness/proxied', 'v1');
      expect(via.status).toBe(200);
      expect(via.digest).toBeUndefined();
      expect(via.bytes.equals(image.manifestBytes)).toBe(true);
      expect(proxy.count('GET', /\/manifests\//)).toBe(1);
    } finally {
      await proxy.stop();
    }
  });

  it('fails the first blob GETs, then passes; truncates; redirects blobs to a host refusing Authorization', async () => {
    const blobHost = await startBlobHost();
    const layer = image.layers[0];
    if (!layer) throw new Error('fixture has no layer');
    const blobPath = `/v2/harness/proxied/blobs/${layer.digest}`;
    blobHost.serve(blobPath, layer.bytes);
    const proxy = await startProxy(reg.get().url, [
      failTimes(2, isBlobGet, { status: 503, headers: { 'Retry-After': '1' } }),
    ]);
    try {
      expect((await fetch(`${proxy.url}${blobPath}`)).status).toBe(503);
      expect((await fetch(`${proxy.url}${blobPath}`)).status).toBe(503);
      const third = await fetch(`${proxy.url}${blobPath}`);
      expect(sha256Digest(Buffer.from(await third.arrayBuffer()))).toBe(layer.digest);
      expect(proxy.count('GET', /\/blobs\//)).toBe(3);

      proxy.setHooks(redirectTo(blobHost.url));
      const redirected = await fetch(`${proxy.url}${blobPath}`);
      expect(redirected.status).toBe(200);
      expect(sha256Digest(Buffer.from(await redirected.arrayBuffer()))).toBe(layer.digest);
      const leaked = await fetch(`${blobHost.url}${blobPath}`, { headers: { Authorization: 'Bearer x' } });
      expect(leaked.status).toBe(400);

      proxy.setHooks(truncate(10, isBlobGet));
      await expect(httpRequest({ url: `${proxy.url}${blobPath}` })).rejects.toThrow(/aborted|closed|socket|premature/i);
    } finally {
      await proxy.stop();
      await blobHost.stop();
    }
  });
});

describe('pull-through mirror', () => {
  let upstream: RunningRegistry;
  let mirror: RunningRegistry;
  beforeAll(async () => {
    upstream = await startRegistry();
    mirror = await startRegistry({ proxy: { remoteUrl: upstream.url } });
  });
  afterAll(async () => {
    await mirror?.stop();
    await upstream?.stop();
  });

  it('serves an image pushed to its upstream, and refuses pushes', async () => {
    const image = randomImage('mirrored', { mediaTypes: 'docker' });
    await pushImage(upstream, 'library/busybox', 'latest', image);
    const got = await getManifest(mirror, 'library/busybox', 'latest');
    expect(got).toMatchObject({ status: 200, digest: image.digest });
    const blob = await httpRequest({ url: `${mirror.url}/v2/library/busybox/blobs/${image.layers[0]?.digest ?? ''}` });
    expect(sha256Digest(blob.body)).toBe(image.layers[0]?.digest);
    await expect(pushImage(mirror, 'library/busybox', 'other', randomImage('nope'))).rejects.toThrow(/405|UNSUPPORTED/);
  });
});
