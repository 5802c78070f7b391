/**
 * `bin/in` against the real registry (docker-registry 2.8 on 127.0.0.1), with skopeo reading
 * back the OCI tarball and layout we write.
 */
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
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
  type BuiltImage,
} from '../support/image-fixtures';
import { corrupt, isBlobGet, startProxy, truncate } from '../support/http-proxy';
import { withRegistry } from '../support/registry-server';
import { runBin } from '../support/run-bin';

const exec = promisify(execFile);

async function skopeoInspect(ref: string): Promise<Record<string, unknown>> {
  const { stdout } = await exec('/usr/bin/skopeo', ['inspect', ref], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

interface InResponse {
  version: { tag?: string; digest: string };
  metadata: Array<{ name: string; value: string }>;
}

const layered = (): BuiltImage =>
  buildImage({
    layers: [
      layerFromFiles(
        [
          { path: 'etc/', type: 'dir', mode: 0o755, mtime: 1_600_000_000 },
          { path: 'etc/old.conf', content: 'old' },
          { path: 'var/', type: 'dir', mtime: 1_600_000_000 },
          { path: 'var/cache/', type: 'dir' },
          { path: 'var/cache/stale', content: 's' },
          { path: 'usr/', type: 'dir' },
          { path: 'usr/bin/', type: 'dir' },
          { path: 'usr/bin/tool', content: 'TOOL', mode: 0o4750, uid: 1000, gid: 1001, mtime: 1_500_000_000 },
          { path: 'usr/bin/tool-link', type: 'link', linkname: 'usr/bin/tool' },
          { path: 'bin', type: 'symlink', linkname: 'usr/bin' },
        ],
        { compression: 'gzip' },
      ),
      layerFromFiles(
        [
          { path: 'etc/.wh.old.conf' },
          { path: 'var/cache/.wh..wh..opq' },
          { path: 'var/cache/fresh', content: 'f' },
          { path: 'bin/added', content: 'via symlinked dir' },
        ],
        { compression: 'zstd' },
      ),
      layerFromFiles([{ path: 'usr/bin/.wh.tool' }, { path: 'plain.txt', content: 'uncompressed layer' }], {
        compression: 'none',
      }),
    ],
    config: { Env: ['PATH=/usr/bin'], User: 'app', Cmd: ['tool'], Labels: { 'org.example.team': 'core', other: 'x' } },
    annotations: { 'org.opencontainers.image.revision': 'deadbeef' },
  });

describe('in against a real registry', () => {
  const registry = withRegistry();
  let work: string;
  const host = (): string => registry.get().host;
  const dest = (): string => mkdtempSync(join(work, 'dest-'));

  beforeAll(() => {
    work = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'in-it-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  async function getOk(request: object, dir: string): Promise<{ json: InResponse; stderr: string }> {
    const result = await runBin('in', request, { args: [dir] });
    expect(result.stderr, result.stderr).not.toMatch(/^in: /m);
    expect(result.code).toBe(0);
    return { json: result.json as InResponse, stderr: result.stderr };
  }

  it('unpacks gzip, zstd and plain layers exactly: whiteouts, opaque dirs, links, modes, times, owners', async () => {
    const image = layered();
    const digest = await pushImage(registry.get(), 'team/layered', 'v1', image);
    const dir = dest();
    const { json, stderr } = await getOk(
      {
        source: { repository: `${host()}/team/layered` },
        version: { tag: 'v1', digest },
        params: { label_regex: '^org\\.', annotation_regex: 'revision' },
      },
      dir,
    );
    const rootfs = join(dir, 'rootfs');
    expect(readdirSync(join(rootfs, 'etc'))).toEqual([]);
    expect(readdirSync(join(rootfs, 'var/cache'))).toEqual(['fresh']);
    expect(readFileSync(join(rootfs, 'usr/bin/added'), 'utf8')).toBe('via symlinked dir');
    expect(readlinkSync(join(rootfs, 'bin'))).toBe('usr/bin');
    expect(existsSync(join(rootfs, 'usr/bin/tool'))).toBe(false);
    const survivor = statSync(join(rootfs, 'usr/bin/tool-link'));
    expect(readFileSync(join(rootfs, 'usr/bin/tool-link'), 'utf8')).toBe('TOOL');
    expect(survivor.mode & 0o7777).toBe(0o4750);
    expect(survivor.mtimeMs).toBe(1_500_000_000_000);
    if (process.getuid?.() === 0) expect([survivor.uid, survivor.gid]).toEqual([1000, 1001]);
    // var/ itself is untouched by later layers (only var/cache changes), so it keeps its time.
    expect(lstatSync(join(rootfs, 'var')).mtimeMs).toBe(1_600_000_000_000);
    expect(readFileSync(join(rootfs, 'plain.txt'), 'utf8')).toBe('uncompressed layer');

    expect(readFileSync(join(dir, 'metadata.json'), 'utf8')).toBe(
      '{"cmd":["tool"],"entrypoint":null,"env":["PATH=/usr/bin"],"user":"app"}\n',
    );
    expect(JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8'))).toEqual({
      'org.example.team': 'core',
      other: 'x',
    });
    expect(readFileSync(join(dir, 'digest'), 'utf8')).toBe(digest);
    expect(readFileSync(join(dir, 'tag'), 'utf8')).toBe('v1');
    expect(readFileSync(join(dir, 'repository'), 'utf8')).toBe(`${host()}/team/layered`);
    expect(json).toEqual({
      version: { tag: 'v1', digest },
      metadata: [
        { name: 'repository', value: `${host()}/team/layered` },
        { name: 'tag', value: 'v1' },
        { name: 'org.example.team', value: 'core' },
        { name: 'org.opencontainers.image.revision', value: 'deadbeef' },
      ],
    });
    // Not a terminal: plain progress lines, one per finished layer.
    expect(stderr.match(/^layer \d\/3 [0-9a-f]{12} .* done$/gm)).toHaveLength(3);
    expect(readdirSync(dir).sort()).toEqual(['digest', 'labels.json', 'metadata.json', 'repository', 'rootfs', 'tag']);
  });

  it('selects the platform from an index (params.platform)', async () => {
    const make = (arch: string) =>
      buildImage({
        layers: [layerFromFiles([{ path: 'arch', content: arch }])],
        platform: { os: 'linux', architecture: arch },
      });
    const index = buildIndex([make('amd64'), make('arm64')]);
    const digest = await pushIndex(registry.get(), 'team/multi', 'latest', index);
    const dir = dest();
    await getOk(
      {
        source: { repository: `${host()}/team/multi` },
        version: { tag: 'latest', digest },
        params: { platform: { os: 'linux', architecture: 'arm64' } },
      },
      dir,
    );
    expect(readFileSync(join(dir, 'rootfs/arch'), 'utf8')).toBe('arm64');

    const layoutDir = dest();
    await getOk(
      { source: { repository: `${host()}/team/multi` }, version: { digest }, params: { format: 'oci-layout' } },
      layoutDir,
    );
    expect(readFileSync(join(layoutDir, 'oci/index.json'))).toEqual(index.manifestBytes);
    for (const img of index.images)
      expect(existsSync(join(layoutDir, 'oci/blobs/sha256', img.layers[0]?.digest.slice(7) ?? ''))).toBe(true);
  });

  it('writes an image.tar that skopeo reads as a docker archive', async () => {
    const image = layered();
    const digest = await pushImage(registry.get(), 'team/tarball', 'v2', image);
    const dir = dest();
    await getOk(
      { source: { repository: `${host()}/team/tarball` }, version: { tag: 'v2', digest }, params: { format: 'oci' } },
      dir,
    );
    const inspected = await skopeoInspect(`docker-archive:${join(dir, 'image.tar')}`);
    expect(inspected.Labels).toEqual({ 'org.example.team': 'core', other: 'x' });
    expect(inspected.Env).toEqual(['PATH=/usr/bin']);
    expect((inspected.Layers as string[]).length).toBe(3);
    expect(readdirSync(dir).sort()).toEqual(['digest', 'image.tar', 'labels.json', 'repository', 'tag']);
  });

  it('writes an OCI layout that skopeo reads, with the manifest digest we fetched', async () => {
    const image = layered();
    const digest = await pushImage(registry.get(), 'team/layout', 'v3', image);
    const dir = dest();
    await getOk(
      {
        source: { repository: `${host()}/team/layout` },
        version: { tag: 'v3', digest },
        params: { format: 'oci-layout' },
      },
      dir,
    );
    const inspected = await skopeoInspect(`oci:${join(dir, 'oci')}`);
    expect(inspected.Digest).toBe(digest);
    expect(readFileSync(join(dir, 'oci/single-image-digest'), 'utf8')).toBe(digest);
  });

  it('skip_download writes only the version files, yet reports matching labels and annotations', async () => {
    const image = layered();
    const digest = await pushImage(registry.get(), 'team/skip', 'v4', image);
    const dir = dest();
    await getOk(
      {
        source: { repository: `${host()}/team/skip` },
        version: { tag: 'v4', digest },
        params: { skip_download: true },
      },
      dir,
    );
    expect(readdirSync(dir).sort()).toEqual(['digest', 'repository', 'tag']);

    // As Go: the manifest and the config are read for the patterns, no layer is downloaded.
    const proxy = await startProxy(registry.get().url);
    try {
      const labelled = dest();
      const { json } = await getOk(
        {
          source: { repository: `${proxy.host}/team/skip` },
          version: { tag: 'v4', digest },
          params: { skip_download: true, label_regex: 'team', annotation_regex: 'revision' },
        },
        labelled,
      );
      expect(json.metadata).toEqual([
        { name: 'repository', value: `${proxy.host}/team/skip` },
        { name: 'tag', value: 'v4' },
        { name: 'org.example.team', value: 'core' },
        { name: 'org.opencontainers.image.revision', value: 'deadbeef' },
      ]);
      expect(readdirSync(labelled).sort()).toEqual(['digest', 'repository', 'tag']);
      expect(proxy.count('GET', /\/blobs\//)).toBe(1);
      expect(proxy.count('GET', new RegExp(`/blobs/${image.configDigest}$`))).toBe(1);
    } finally {
      await proxy.stop();
    }
  });

  it('uses registry_mirror for a Docker Hub repository and keeps the original name', async () => {
    const image = buildImage({ layers: [layerFromFiles([{ path: 'from-mirror', content: 'm' }])] });
    const digest = await pushImage(registry.get(), 'library/busybox', 'latest', image);
    const dir = dest();
    await getOk(
      {
        source: { repository: 'busybox', registry_mirror: { host: host() } },
        version: { tag: 'latest', digest },
        params: { format: 'oci' },
      },
      dir,
    );
    expect(readFileSync(join(dir, 'repository'), 'utf8')).toBe('busybox');
    await skopeoInspect(`docker-archive:${join(dir, 'image.tar')}`);
    const { stdout } = await exec('tar', ['-xOf', join(dir, 'image.tar'), 'manifest.json']);
    expect((JSON.parse(stdout) as Array<{ RepoTags: string[] }>)[0]?.RepoTags).toEqual(['busybox:latest']);
    // skopeo finds the image in the archive by that name.
    await skopeoInspect(`docker-archive:${join(dir, 'image.tar')}:busybox:latest`);
  });

  it('fails a hostile layer with one clear line', async () => {
    const image = buildImage({
      layers: [
        layerFromFiles([
          { path: 'ok', content: 'fine' },
          { path: '../../escape', content: 'x' },
        ]),
      ],
    });
    const digest = await pushImage(registry.get(), 'team/hostile', 'bad', image);
    const dir = dest();
    const result = await runBin(
      'in',
      { source: { repository: `${host()}/team/hostile` }, version: { digest } },
      { args: [dir] },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^in: layer 1\/1 \(sha256:[0-9a-f]{64}\): entry "\.\.\/\.\.\/escape" points outside the rootfs$/m,
    );
    expect(existsSync(join(work, 'escape'))).toBe(false);
  });

  it('rejects a corrupted blob by its digest', async () => {
    const image = buildImage({
      layers: [layerFromFiles([{ path: 'data', content: Buffer.alloc(100_000, 3) }], { compression: 'none' })],
    });
    const digest = await pushImage(registry.get(), 'team/corrupt', 'v1', image);
    const proxy = await startProxy(registry.get().url, [corrupt(isBlobGet, 50_000)]);
    try {
      const dir = dest();
      const result = await runBin(
        'in',
        { source: { repository: `${proxy.host}/team/corrupt` }, version: { digest } },
        { args: [dir] },
      );
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^in: .*sha256:[0-9a-f]{64}.*expected sha256:/m);
    } finally {
      await proxy.stop();
    }
  });

  it('gets the exact layer when downloads are cut short and resumed, and fails cleanly when they cannot be', async () => {
    const data = Buffer.alloc(300_000, 5);
    const image = buildImage({ layers: [layerFromFiles([{ path: 'data', content: data }], { compression: 'none' })] });
    const digest = await pushImage(registry.get(), 'team/truncated', 'v1', image);
    const request = (host: string) => ({ source: { repository: `${host}/team/truncated` }, version: { digest } });

    const resumable = await startProxy(registry.get().url, [truncate(100_000, isBlobGet)]);
    try {
      const dir = dest();
      await getOk(request(resumable.host), dir);
      expect(readFileSync(join(dir, 'rootfs/data'))).toEqual(data);
      expect(resumable.count('GET', /\/blobs\//)).toBeGreaterThan(2);
    } finally {
      await resumable.stop();
    }

    const hopeless = await startProxy(registry.get().url, [truncate(1_000, isBlobGet)]);
    try {
      const dir = dest();
      const result = await runBin('in', request(hopeless.host), { args: [dir] });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^in: .+$/m);
      expect(existsSync(join(dir, 'digest'))).toBe(false);
    } finally {
      await hopeless.stop();
    }
  });
});
