/**
 * `bin/out` against the real registry (docker-registry 2.8 on 127.0.0.1), with skopeo as the
 * independent client that makes inputs and reads back what we pushed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildImage,
  buildIndex,
  layerFromFiles,
  pushImage,
  pushIndex,
  randomImage,
  sha256Digest,
} from '../support/image-fixtures';
import { failTimes, matching, startProxy } from '../support/http-proxy';
import { withRegistry } from '../support/registry-server';
import { runBin } from '../support/run-bin';
import {
  dockerSaveEntries,
  layoutEntries,
  writeEntriesToDir,
  writeTarFile,
} from '../../unit/adapters/image-input/layout-fixtures';

const exec = promisify(execFile);

async function skopeo(...args: string[]): Promise<string> {
  const { stdout } = await exec('/usr/bin/skopeo', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

async function inspect(ref: string): Promise<{ Digest: string; RepoTags: string[] }> {
  return JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${ref}`)) as {
    Digest: string;
    RepoTags: string[];
  };
}

async function rawManifest(ref: string): Promise<Buffer> {
  return Buffer.from(await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${ref}`));
}

interface OutResponse {
  version: { tag: string; digest: string };
  metadata: Array<{ name: string; value: string }>;
}

describe('out against a real registry', () => {
  const registry = withRegistry();
  let src: string;
  const host = (): string => registry.get().host;

  async function out(repo: string, params: Record<string, unknown>, source: Record<string, unknown> = {}, dir = src) {
    return runBin('out', { source: { repository: `${host()}/${repo}`, ...source }, params }, { args: [dir] });
  }

  async function outOk(repo: string, params: Record<string, unknown>, source: Record<string, unknown> = {}, dir = src) {
    const result = await out(repo, params, source, dir);
    expect(result.stderr, result.stderr).not.toMatch(/^out: /m);
    expect(result.code).toBe(0);
    return result.json as OutResponse;
  }

  beforeAll(() => {
    src = mkdtempSync(join(tmpdir(), 'out-it-'));
  });
  afterAll(() => rmSync(src, { recursive: true, force: true }));

  it('pushes a docker save tarball under source.tag and additional tags; skopeo reads the same digest', async () => {
    const image = buildImage({ layers: [layerFromFiles([{ path: 'hello', content: 'world' }])], mediaTypes: 'docker' });
    const dir = mkdtempSync(join(src, 'save-'));
    writeTarFile(join(dir, 'image.tar'), dockerSaveEntries(image, 'tar'));
    writeFileSync(join(dir, 'tags'), 'extra\nmore\n');
    const res = await outOk(
      'save/app',
      { image: 'image.tar', additional_tags: 'tags', tag_prefix: 'p-' },
      { tag: 'main' },
      dir,
    );
    expect(res.metadata).toEqual([
      { name: 'repository', value: `${host()}/save/app` },
      { name: 'tags', value: 'main p-extra p-more' },
    ]);
    expect(res.version.tag).toBe('main');
    for (const tag of ['main', 'p-extra', 'p-more'])
      expect((await inspect(`${host()}/save/app:${tag}`)).Digest).toBe(res.version.digest);
    // The config is pushed unchanged; skopeo can copy every blob out (so each verified on its side).
    const manifest = JSON.parse((await rawManifest(`${host()}/save/app:main`)).toString()) as {
      config: { digest: string };
    };
    expect(manifest.config.digest).toBe(image.configDigest);
    await skopeo('copy', '--src-tls-verify=false', `docker://${host()}/save/app:main`, `dir:${join(dir, 'copied')}`);
  });

  it('pushes an OCI archive that skopeo wrote, keeping the manifest digest', async () => {
    const image = randomImage('oci-archive', { mediaTypes: 'oci', layers: 2 });
    await pushImage(registry.get(), 'origin/app', 'v1', image);
    const dir = mkdtempSync(join(src, 'ociarchive-'));
    await skopeo(
      'copy',
      '--src-tls-verify=false',
      `docker://${host()}/origin/app:v1`,
      `oci-archive:${join(dir, 'image.tar')}`,
    );
    const res = await outOk('copy/app', { image: 'image*.tar' }, { tag: 'latest' }, dir);
    expect(res.version.digest).toBe(image.digest);
    expect((await inspect(`${host()}/copy/app:latest`)).Digest).toBe(image.digest);
  });

  it('pushes a docker-archive that skopeo wrote', async () => {
    const image = randomImage('docker-archive', { mediaTypes: 'docker', layers: 2 });
    await pushImage(registry.get(), 'origin/docker', 'v1', image);
    const dir = mkdtempSync(join(src, 'dockerarchive-'));
    await skopeo(
      'copy',
      '--src-tls-verify=false',
      `docker://${host()}/origin/docker:v1`,
      `docker-archive:${join(dir, 'image.tar')}`,
    );
    const res = await outOk('copy/docker', { image: 'image.tar' }, { tag: 'latest' }, dir);
    const manifest = JSON.parse((await rawManifest(`${host()}/copy/docker:latest`)).toString()) as {
      config: { digest: string };
    };
    expect(manifest.config.digest).toBe(image.configDigest);
    expect((await inspect(`${host()}/copy/docker:latest`)).Digest).toBe(res.version.digest);
  });

  it('pushes a multi-arch OCI layout written by skopeo; the index digest is preserved', async () => {
    const index = buildIndex(
      [
        randomImage('amd', { mediaTypes: 'oci' }),
        randomImage('arm', { mediaTypes: 'oci', platform: { os: 'linux', architecture: 'arm64' } }),
      ],
      { mediaType: 'oci' },
    );
    await pushIndex(registry.get(), 'origin/multi', 'v1', index);
    const dir = mkdtempSync(join(src, 'layout-'));
    await skopeo(
      'copy',
      '--all',
      '--src-tls-verify=false',
      `docker://${host()}/origin/multi:v1`,
      `oci:${join(dir, 'layout')}`,
    );
    const res = await outOk('copy/multi', { image: 'layout', version: '2.0.0' }, {}, dir);
    expect(res.version).toEqual({ tag: '2.0.0', digest: index.digest });
    expect((await rawManifest(`${host()}/copy/multi:2.0.0`)).equals(index.manifestBytes)).toBe(true);
    for (const child of index.images)
      expect((await inspect(`${host()}/copy/multi@${child.digest}`)).Digest).toBe(child.digest);
  });

  it('round trip: an image skopeo pushed is re-pushed by us unchanged, under the layout index as Go does', async () => {
    const image = randomImage('skopeo-pushed', { mediaTypes: 'oci' });
    const dir = mkdtempSync(join(src, 'rt-'));
    writeEntriesToDir(join(dir, 'made'), layoutEntries(image));
    await skopeo('copy', '--dest-tls-verify=false', `oci:${join(dir, 'made')}`, `docker://${host()}/skopeo/pushed:1`);
    await skopeo('copy', '--src-tls-verify=false', `docker://${host()}/skopeo/pushed:1`, `oci:${join(dir, 'fetched')}`);
    const pushedBySkopeo = (await inspect(`${host()}/skopeo/pushed:1`)).Digest;
    // A layout without the single-image-digest marker is pushed as its index.json (Go's
    // layout.ImageIndexFromPath), the image as its only child.
    const res = await outOk('ours/pushed', { image: 'fetched' }, { tag: '1' }, dir);
    expect(res.version.digest).toBe(sha256Digest(readFileSync(join(dir, 'fetched/index.json'))));
    expect((await inspect(`${host()}/ours/pushed@${pushedBySkopeo}`)).Digest).toBe(pushedBySkopeo);
    // With the marker (as our own `get` writes it), the image itself is pushed.
    writeFileSync(join(dir, 'fetched/single-image-digest'), pushedBySkopeo);
    const marked = await outOk('ours/pushed', { image: 'fetched' }, { tag: '2' }, dir);
    expect(marked.version.digest).toBe(pushedBySkopeo);
  });

  it('re-pushing an image the registry already holds uploads no blob', async () => {
    const image = randomImage('repush', { mediaTypes: 'oci', layers: 3 });
    const dir = mkdtempSync(join(src, 'repush-'));
    writeTarFile(join(dir, 'image.tar'), layoutEntries(image));
    await outOk('repush/app', { image: 'image.tar' }, { tag: 'first' }, dir);
    const proxy = await startProxy(registry.get().url);
    try {
      const res = await runBin(
        'out',
        { source: { repository: `${proxy.host}/repush/app`, tag: 'second' }, params: { image: 'image.tar' } },
        { args: [dir] },
      );
      expect(res.code, res.stderr).toBe(0);
      expect(proxy.count('POST', /\/blobs\/uploads\//)).toBe(0);
      expect(proxy.count('PATCH')).toBe(0);
      expect(proxy.count('PUT', /\/blobs\//)).toBe(0);
      expect(proxy.count('PUT', /\/manifests\/second$/)).toBe(1);
    } finally {
      await proxy.stop();
    }
    expect((await inspect(`${host()}/repush/app:second`)).Digest).toBe(image.digest);
  });

  it('a push that fails tags nothing, and re-running it completes the push', async () => {
    const image = randomImage('fail-then-retry', { mediaTypes: 'oci', layers: 2 });
    const dir = mkdtempSync(join(src, 'fail-'));
    writeTarFile(join(dir, 'image.tar'), layoutEntries(image));
    const proxy = await startProxy(registry.get().url);
    const request = {
      source: { repository: `${proxy.host}/fail/app`, tag: 'release' },
      params: { image: 'image.tar' },
    };
    try {
      // A non-retryable refusal of every blob upload.
      proxy.setHooks(
        failTimes(Infinity, matching({ method: 'POST', path: /\/blobs\/uploads\/$/ }), {
          status: 400,
          headers: { 'content-type': 'application/json' },
          body: '{"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"refused by test"}]}',
        }),
      );
      const failed = await runBin('out', request, { args: [dir] });
      expect(failed.code).toBe(1);
      expect(failed.stdout).toBe('');
      expect(failed.stderr).toMatch(/^out: .*fail\/app/m);
      expect(proxy.count('PUT', /\/manifests\//)).toBe(0);
      await expect(inspect(`${host()}/fail/app:release`)).rejects.toThrow();

      // Two transient 503s on upload start are retried by the transport; the run then succeeds.
      proxy.setHooks(failTimes(2, matching({ method: 'POST', path: /\/blobs\/uploads\/$/ }), { status: 503 }));
      const ok = await runBin('out', request, { args: [dir] });
      expect(ok.code, ok.stderr).toBe(0);
      expect((ok.json as OutResponse).version.digest).toBe(image.digest);
    } finally {
      await proxy.stop();
    }
    expect((await inspect(`${host()}/fail/app:release`)).Digest).toBe(image.digest);
  });

  it('mounts blobs from the repository a docker save tarball came from instead of uploading them', async () => {
    const image = randomImage('mount-me', { mediaTypes: 'docker', layers: 2 });
    await pushImage(registry.get(), 'mount/base', 'v1', image);
    const dir = mkdtempSync(join(src, 'mount-'));
    const proxy = await startProxy(registry.get().url);
    try {
      writeTarFile(join(dir, 'image.tar'), dockerSaveEntries(image, 'compressed', `${proxy.host}/mount/base:v1`));
      const res = await runBin(
        'out',
        { source: { repository: `${proxy.host}/mount/app`, tag: 'v1' }, params: { image: 'image.tar' } },
        { args: [dir] },
      );
      expect(res.code, res.stderr).toBe(0);
      expect(proxy.count('POST', /\/blobs\/uploads\/\?.*mount=/)).toBe(3);
      expect(proxy.count('PATCH')).toBe(0);
      expect(proxy.count('PUT', /\/blobs\//)).toBe(0);
    } finally {
      await proxy.stop();
    }
    const manifest = JSON.parse((await rawManifest(`${host()}/mount/app:v1`)).toString()) as {
      config: { digest: string };
    };
    expect(manifest.config.digest).toBe(image.configDigest);
  });

  it('glob errors name the pattern and the matches; nothing reaches stdout', async () => {
    const dir = mkdtempSync(join(src, 'glob-'));
    writeFileSync(join(dir, 'image-a.tar'), '');
    writeFileSync(join(dir, 'image-b.tar'), '');
    const none = await out('glob/app', { image: 'nomatch.tar' }, { tag: 't' }, dir);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain("no files match glob 'nomatch.tar'");
    const many = await out('glob/app', { image: 'imag*.tar' }, { tag: 't' }, dir);
    expect(many.code).toBe(1);
    expect(many.stderr).toContain(
      `too many files match glob 'imag*.tar': ${join(dir, 'image-a.tar')}, ${join(dir, 'image-b.tar')}`,
    );
  });

  it('tag errors: no tag at all, tag_prefix without additional_tags, bad version', async () => {
    const noTag = await out('errors/app', { image: 'x' });
    expect(noTag.stderr).toContain('no tag specified');
    const prefix = await out('errors/app', { image: 'x', tag_prefix: 'p-' }, { tag: 't' });
    expect(prefix.stderr).toContain('tag_prefix');
    const bad = await out('errors/app', { image: 'x', version: 'hoogily-boogily' });
    expect(bad.stderr).toContain('invalid semantic version: "hoogily-boogily"');
    for (const r of [noTag, prefix, bad]) expect(r.code).toBe(1);
  });

  // Every bump_aliases entry of the Go resource's out_test.go, against the real registry's tag list.
  const bumpCases: Array<{ name: string; existing?: string[]; variant?: string; version: string; pushed: string[] }> = [
    { name: 'bumping aliases with no existing image', version: '1.2.3', pushed: ['1.2.3', '1.2', '1', 'latest'] },
    {
      name: 'not bumping aliases if a prerelease is given',
      existing: [],
      version: '1.2.3-alpha.1',
      pushed: ['1.2.3-alpha.1'],
    },
    {
      name: 'bumping aliases if only older versions exist',
      existing: ['1.2.2'],
      version: '1.2.3',
      pushed: ['1.2.3', '1.2', '1', 'latest'],
    },
    {
      name: 'not bumping anything if a newer patch already exists',
      existing: ['1.2.4'],
      version: '1.2.3',
      pushed: ['1.2.3'],
    },
    {
      name: 'not bumping major if a newer minor already exists',
      existing: ['1.3.0'],
      version: '1.2.3',
      pushed: ['1.2.3', '1.2'],
    },
    {
      name: 'bumping minor and major, but not latest, if a newer major version exists',
      existing: ['2.0.0'],
      version: '1.2.3',
      pushed: ['1.2.3', '1.2', '1'],
    },
    {
      name: 'bumping everything even if a newer non-variant minor exists',
      existing: ['1.3.0'],
      variant: 'lts',
      version: '1.2.3',
      pushed: ['1.2.3-lts', '1.2-lts', '1-lts', 'lts'],
    },
    {
      name: 'bumping everything if the only available version is a prerelease',
      existing: ['2.0.0-rc.1'],
      version: '1.2.3',
      pushed: ['1.2.3', '1.2', '1', 'latest'],
    },
    {
      name: 'bumping everything if the only available version is a different variant',
      existing: ['2.0.0-goodbye'],
      variant: 'hello',
      version: '1.2.3',
      pushed: ['1.2.3-hello', '1.2-hello', '1-hello', 'hello'],
    },
    {
      name: 'bumping variant aliases with no existing image',
      variant: 'hello',
      version: '1.2.3',
      pushed: ['1.2.3-hello', '1.2-hello', '1-hello', 'hello'],
    },
    {
      name: 'bumping minor and major, but not latest, if a newer major version exists with the same variant',
      existing: ['2.0.0-hello'],
      variant: 'hello',
      version: '1.2.3',
      pushed: ['1.2.3-hello', '1.2-hello', '1-hello'],
    },
    {
      name: 'bumping aliases if only older versions exist of the same variant',
      existing: ['1.2.2-hello'],
      variant: 'hello',
      version: '1.2.3',
      pushed: ['1.2.3-hello', '1.2-hello', '1-hello', 'hello'],
    },
    {
      name: 'not bumping anything if a newer patch already exists of the same variant',
      existing: ['1.2.4-hello'],
      variant: 'hello',
      version: '1.2.3',
      pushed: ['1.2.3-hello'],
    },
    {
      name: 'not bumping major if a newer minor already exists of the same variant',
      existing: ['1.3.0-hello'],
      variant: 'hello',
      version: '1.2.3',
      pushed: ['1.2.3-hello', '1.2-hello'],
    },
  ];

  describe('bump_aliases', () => {
    const image = randomImage('bump-me', { mediaTypes: 'oci' });
    const other = randomImage('already-there', { mediaTypes: 'oci' });
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(src, 'bump-'));
      writeTarFile(join(dir, 'image.tar'), layoutEntries(image));
    });

    it.each(bumpCases.map((c, i) => ({ ...c, repo: `bump/case${i}` })))('$name', async (c) => {
      for (const tag of c.existing ?? []) await pushImage(registry.get(), c.repo, tag, other);
      const res = await outOk(
        c.repo,
        { image: 'image.tar', version: c.version, bump_aliases: true },
        c.variant ? { variant: c.variant } : {},
        dir,
      );
      expect(res.version).toEqual({ tag: c.pushed[0], digest: image.digest });
      expect(res.metadata[1]?.value.split(' ').sort()).toEqual([...c.pushed].sort());
      const tags = JSON.parse(await skopeo('list-tags', '--tls-verify=false', `docker://${host()}/${c.repo}`)) as {
        Tags: string[];
      };
      expect(tags.Tags.sort()).toEqual([...c.pushed, ...(c.existing ?? [])].sort());
      for (const tag of c.pushed) expect((await inspect(`${host()}/${c.repo}:${tag}`)).Digest).toBe(image.digest);
    });
  });

  it('reads the docker save tarball written by our fixtures with compressed layers too', async () => {
    const image = buildImage({ layers: [layerFromFiles([{ path: 'z', content: 'z' }])], mediaTypes: 'docker' });
    const dir = mkdtempSync(join(src, 'savegz-'));
    writeTarFile(join(dir, 'image.tar'), dockerSaveEntries(image, 'compressed'));
    const res = await outOk('save/gz', { image: 'image.tar' }, { tag: 't' }, dir);
    // Compressed docker save layers keep their digests, so the synthesised manifest equals the fixture's.
    expect(JSON.parse((await rawManifest(`${host()}/save/gz:t`)).toString())).toEqual(
      JSON.parse(image.manifestBytes.toString()),
    );
    expect((await inspect(`${host()}/save/gz:t`)).Digest).toBe(res.version.digest);
  });

  describe('with basic auth', () => {
    const secured = withRegistry({ auth: { htpasswd: { users: { pusher: 'pa55word' } } } });

    it('uses params.username/password, and never prints the password', async () => {
      const image = randomImage('auth', { mediaTypes: 'oci' });
      const dir = mkdtempSync(join(src, 'auth-'));
      writeTarFile(join(dir, 'image.tar'), layoutEntries(image));
      const repository = `${secured.get().host}/auth/app`;
      const denied = await runBin(
        'out',
        {
          source: { repository, tag: 't', username: 'pusher', password: 'wrong-pa55' },
          params: { image: 'image.tar' },
        },
        { args: [dir] },
      );
      expect(denied.code).toBe(1);
      expect(denied.stderr).not.toContain('wrong-pa55');
      const res = await runBin(
        'out',
        {
          source: { repository, tag: 't', username: 'pusher', password: 'wrong-pa55' },
          params: { image: 'image.tar', username: 'pusher', password: 'pa55word' },
        },
        { args: [dir] },
      );
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).not.toContain('pa55word');
      expect((res.json as OutResponse).version.digest).toBe(image.digest);
    });
  });
});
