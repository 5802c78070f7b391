import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsImageOutput } from '../../../../src/adapters/image-output/fs-image-output';
import { InMemoryFilesystem } from '../../../../src/adapters/memory/in-memory-filesystem';
import { InMemoryRegistry } from '../../../../src/adapters/memory/in-memory-registry';
import { configuredTarget } from '../../../../src/application/mirror-plan';
import { GetImage } from '../../../../src/application/in/get-image';
import type { InRequest } from '../../../../src/application/request-types';
import { parseRepository, type RepositoryRef } from '../../../../src/domain/image-reference';
import { Parser, type ReadEntry } from 'tar';
import {
  buildImage,
  buildIndex,
  layerFromFiles,
  type BuiltImage,
  type BuiltIndex,
  type Platform,
} from '../../../integration/support/image-fixtures';
import { RecordingLogger, tempDir } from '../../adapters/image-output/unpack-fixture';
import { InvalidRequestError } from '../../../../src/domain/errors';
import { NotFoundError } from '../../../../src/ports/registry-errors';

const HOST = { os: 'linux', architecture: 'amd64' };

function push(registry: InMemoryRegistry, repo: RepositoryRef, image: BuiltImage | BuiltIndex, tag?: string): void {
  if (image.kind === 'index') {
    for (const child of image.images) push(registry, repo, child);
  } else {
    for (const layer of image.layers) registry.store.putBlob(repo, layer.bytes);
    registry.store.putBlob(repo, image.configBytes);
  }
  registry.store.putManifest(repo, tag ?? image.digest, image.mediaType, image.manifestBytes);
}

function setup() {
  const registry = new InMemoryRegistry();
  const logger = new RecordingLogger();
  const output = new FsImageOutput(logger, { progressSink: { isTTY: false, write: () => true }, chown: false });
  // The image goes to disk; the small files beside it go through the filesystem port.
  const files = new InMemoryFilesystem();
  const getImage = new GetImage(registry, output, files, logger, HOST);
  // The target as the entrypoint resolves it when no provider rewrites it.
  const useCase = { run: (req: InRequest, dest: string) => getImage.run(req, dest, configuredTarget(req.source)) };
  return { registry, logger, useCase, files, dest: tempDir() };
}

function appImage(platform: Platform = HOST, extra: Partial<Parameters<typeof buildImage>[0]> = {}): BuiltImage {
  return buildImage({
    layers: [
      layerFromFiles([
        { path: 'etc/', type: 'dir' },
        { path: 'etc/os', content: `${platform.architecture}\n` },
      ]),
      layerFromFiles([{ path: 'app', content: 'app', mode: 0o755 }]),
    ],
    config: {
      Env: ['PATH=/usr/bin', 'A=<b>&c'],
      Cmd: ['run'],
      Entrypoint: ['/app'],
      User: 'nobody',
      Labels: { 'org.opencontainers.image.version': '1.2.3', zeta: 'z', 'com.example.team': 'core' },
    },
    annotations: { 'org.opencontainers.image.revision': 'abc123', other: 'o' },
    platform,
    ...extra,
  });
}

function request(digest: string, extra: Partial<InRequest> = {}, repository = 'registry.test/team/app'): InRequest {
  return { source: { repository }, version: { tag: '1.2.3', digest }, params: {}, ...extra };
}

const REPO = parseRepository('registry.test/team/app');

function tarNames(path: string): string[] {
  const names: string[] = [];
  const parser = new Parser();
  parser.on('entry', (entry: ReadEntry) => {
    names.push(entry.path);
    entry.resume();
  });
  parser.end(readFileSync(path));
  return names;
}

function tarEntries(path: string): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  const parser = new Parser();
  parser.on('entry', (entry: ReadEntry) => {
    const chunks: Buffer[] = [];
    entry.on('data', (c: Buffer) => chunks.push(c));
    entry.on('end', () => entries.set(entry.path, Buffer.concat(chunks)));
  });
  parser.end(readFileSync(path));
  return entries;
}

describe('GetImage: rootfs (default format)', () => {
  it('unpacks the exact digest and writes version files, metadata.json and labels.json as Go does', async () => {
    const { registry, useCase, dest, files } = setup();
    const image = appImage();
    push(registry, REPO, image, '1.2.3');
    const response = await useCase.run(request(image.digest), dest);

    expect(readFileSync(join(dest, 'rootfs/etc/os'), 'utf8')).toBe('amd64\n');
    expect(readFileSync(join(dest, 'rootfs/app'), 'utf8')).toBe('app');
    expect(files.text(join(dest, 'repository'))).toBe('registry.test/team/app');
    expect(files.text(join(dest, 'tag'))).toBe('1.2.3');
    expect(files.text(join(dest, 'digest'))).toBe(image.digest);
    expect(files.text(join(dest, 'metadata.json'))).toBe(
      '{"cmd":["run"],"entrypoint":["/app"],"env":["PATH=/usr/bin","A=\\u003cb\\u003e\\u0026c"],"user":"nobody"}\n',
    );
    expect(files.text(join(dest, 'labels.json'))).toBe(
      '{"com.example.team":"core","org.opencontainers.image.version":"1.2.3","zeta":"z"}\n',
    );
    expect(response).toEqual({
      version: { tag: '1.2.3', digest: image.digest },
      metadata: [
        { name: 'repository', value: 'registry.test/team/app' },
        { name: 'tag', value: '1.2.3' },
      ],
    });
    // Never the tag: every manifest request names the digest.
    expect(registry.calls.filter((c) => c.method === 'getManifest').map((c) => c.reference)).toEqual([image.digest]);
  });

  it('adds label and annotation matches as sorted fields after repository and tag', async () => {
    const { registry, useCase, dest } = setup();
    const image = appImage();
    push(registry, REPO, image);
    const response = await useCase.run(
      request(image.digest, {
        params: { label_regex: '^(org\\.opencontainers|com\\.)', annotation_regex: 'revision|other' },
      }),
      dest,
    );
    expect(response.metadata).toEqual([
      { name: 'repository', value: 'registry.test/team/app' },
      { name: 'tag', value: '1.2.3' },
      { name: 'com.example.team', value: 'core' },
      { name: 'org.opencontainers.image.version', value: '1.2.3' },
      { name: 'org.opencontainers.image.revision', value: 'abc123' },
      { name: 'other', value: 'o' },
    ]);
  });

  it('reads label_regex and annotation_regex from source (as Go), with params overriding per step', async () => {
    const { registry, useCase, dest } = setup();
    const image = appImage();
    push(registry, REPO, image);
    const source = {
      repository: 'registry.test/team/app',
      label_regex: '(?i)^COM\\.',
      annotation_regex: '\\Aother\\z',
    };
    const fromSource = await useCase.run(request(image.digest, { source }), dest);
    expect(fromSource.metadata.slice(2)).toEqual([
      { name: 'com.example.team', value: 'core' },
      { name: 'other', value: 'o' },
    ]);
    const overridden = await useCase.run(
      request(image.digest, { source, params: { label_regex: '^zeta$' } }),
      tempDir(),
    );
    expect(overridden.metadata.slice(2)).toEqual([
      { name: 'zeta', value: 'z' },
      { name: 'other', value: 'o' },
    ]);
  });

  it('writes null for absent config lists and omits the tag field for a digest-only version', async () => {
    const { registry, useCase, dest, files } = setup();
    const image = buildImage({ layers: [layerFromFiles([{ path: 'f', content: 'f' }])], config: {} });
    push(registry, REPO, image);
    const response = await useCase.run(
      { source: { repository: 'registry.test/team/app' }, version: { digest: image.digest }, params: {} },
      dest,
    );
    expect(files.text(join(dest, 'metadata.json'))).toBe('{"cmd":null,"entrypoint":null,"env":null,"user":""}\n');
    expect(files.text(join(dest, 'labels.json'))).toBe('{}\n');
    expect(files.text(join(dest, 'tag'))).toBe('');
    expect(response.metadata).toEqual([{ name: 'repository', value: 'registry.test/team/app' }]);
  });

  it('selects the platform from an index: host by default, params over source', async () => {
    const { registry, useCase, dest } = setup();
    const amd = appImage({ os: 'linux', architecture: 'amd64' });
    const arm = appImage({ os: 'linux', architecture: 'arm64' });
    const index = buildIndex([amd, arm]);
    push(registry, REPO, index);
    await useCase.run(request(index.digest), dest);
    expect(readFileSync(join(dest, 'rootfs/etc/os'), 'utf8')).toBe('amd64\n');

    const dest2 = tempDir();
    await useCase.run(
      request(index.digest, {
        source: { repository: 'registry.test/team/app', platform: { architecture: 's390x' } },
        params: { platform: { architecture: 'arm64' } },
      }),
      dest2,
    );
    expect(readFileSync(join(dest2, 'rootfs/etc/os'), 'utf8')).toBe('arm64\n');
  });

  it('names the platforms an index has when the wanted one is missing', async () => {
    const { registry, useCase, dest } = setup();
    const index = buildIndex([appImage({ os: 'linux', architecture: 'arm64' })]);
    push(registry, REPO, index);
    await expect(useCase.run(request(index.digest), dest)).rejects.toMatchObject({
      name: NotFoundError.name,
      message: `registry.test/team/app@${index.digest} has no image for platform linux/amd64 (it has: linux/arm64)`,
    });
  });

  it('fails with NOT_FOUND for an unknown digest and refuses a bad regex before any request', async () => {
    const { registry, useCase, dest } = setup();
    const missing = `sha256:${'0'.repeat(64)}`;
    await expect(useCase.run(request(missing), dest)).rejects.toMatchObject({
      name: NotFoundError.name,
      message: `image registry.test/team/app@${missing} not found`,
    });
    registry.calls.length = 0;
    await expect(useCase.run(request(missing, { params: { label_regex: '(' } }), dest)).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    const source = { repository: 'registry.test/team/app', annotation_regex: '(?<=org\\.)image' };
    await expect(useCase.run(request(missing, { source }), dest)).rejects.toMatchObject({
      name: InvalidRequestError.name,
      message:
        'source.annotation_regex "(?<=org\\.)image" is not a valid regular expression (Go RE2 syntax): invalid named capture: `(?<=org\\.)image`',
    });
    expect(registry.calls).toEqual([]);
  });
});

/** An index over arbitrary entries (a nested index, an entry without `platform`). */
function indexOf(entries: Array<{ content: BuiltImage | BuiltIndex; platform?: BuiltImage['platform'] }>): BuiltIndex {
  const manifests = entries.map(({ content, platform }) => ({
    mediaType: content.mediaType,
    digest: content.digest,
    size: content.manifestBytes.length,
    ...(platform ? { platform } : {}),
  }));
  const manifestBytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
  );
  const digest = `sha256:${createHash('sha256').update(manifestBytes).digest('hex')}`;
  return {
    kind: 'index',
    manifestBytes,
    digest,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    images: entries.flatMap(({ content }) => (content.kind === 'index' ? content.images : [content])),
  };
}

function pushTree(registry: InMemoryRegistry, outer: BuiltIndex, nested: BuiltIndex[]): void {
  push(registry, REPO, outer);
  for (const n of nested) registry.store.putManifest(REPO, n.digest, n.mediaType, n.manifestBytes);
}

describe('GetImage: platform choice, as the Go resource makes it', () => {
  it('params.platform replaces source.platform whole; empty fields are the host', async () => {
    const { registry, useCase } = setup();
    const images = [
      appImage({ os: 'linux', architecture: 'amd64' }),
      appImage({ os: 'windows', architecture: 'arm64' }),
      appImage({ os: 'linux', architecture: 'arm64' }),
    ];
    const index = buildIndex(images);
    push(registry, REPO, index);
    const source = { repository: 'registry.test/team/app', platform: { os: 'windows', architecture: 's390x' } };
    const arch = async (extra: Partial<InRequest>): Promise<string> => {
      const dest = tempDir();
      await useCase.run(request(index.digest, extra), dest);
      return readFileSync(join(dest, 'rootfs/etc/os'), 'utf8').trim();
    };
    // Not windows/arm64: source.os does not survive the step override, the host's linux fills it.
    expect(await arch({ source, params: { platform: { architecture: 'arm64' } } })).toBe('arm64');
    expect(await arch({ source, params: { platform: {} } })).toBe('amd64');
    expect(await arch({ source, params: { platform: { os: '', architecture: '' } } })).toBe('amd64');
    await expect(arch({ source })).rejects.toThrow('has no image for platform windows/s390x');
  });

  it('takes an index entry without platform as linux/amd64', async () => {
    const { registry, useCase, dest } = setup();
    const arm = appImage({ os: 'linux', architecture: 'arm64' });
    const plain = appImage({ os: 'linux', architecture: 'amd64' }, { config: { Labels: { kind: 'plain' } } });
    const index = indexOf([{ content: arm, platform: arm.platform }, { content: plain }]);
    push(registry, REPO, index);
    const response = await useCase.run(request(index.digest, { params: { label_regex: 'kind' } }), dest);
    expect(response.metadata.at(-1)).toEqual({ name: 'kind', value: 'plain' });

    const other = setup();
    push(other.registry, REPO, index);
    await expect(
      other.useCase.run(request(index.digest, { params: { platform: { os: 'linux', architecture: 's390x' } } }), dest),
    ).rejects.toThrow('has no image for platform linux/s390x (it has: linux/arm64, linux/amd64)');
  });

  it('descends into a nested index: the first matching entry, itself matched by platform', async () => {
    const { registry, useCase, files } = setup();
    const amd = appImage({ os: 'linux', architecture: 'amd64' });
    const arm = appImage({ os: 'linux', architecture: 'arm64' });
    const ppc = appImage({ os: 'linux', architecture: 'ppc64le' });
    const inner = buildIndex([arm, amd]);
    // The inner index has no platform (so counts as linux/amd64); the arm64 entry names its own.
    const outer = indexOf([{ content: inner }, { content: ppc, platform: ppc.platform }]);
    pushTree(registry, outer, [inner]);

    const dest = tempDir();
    await useCase.run(request(outer.digest), dest);
    expect(readFileSync(join(dest, 'rootfs/etc/os'), 'utf8')).toBe('amd64\n');
    expect(files.text(join(dest, 'digest'))).toBe(outer.digest);

    const dest2 = tempDir();
    await useCase.run(request(outer.digest, { params: { platform: { architecture: 'ppc64le' } } }), dest2);
    expect(readFileSync(join(dest2, 'rootfs/etc/os'), 'utf8')).toBe('ppc64le\n');

    // As in Go: a nested index without platform is linux/amd64, so arm64 is not looked for inside.
    await expect(
      useCase.run(request(outer.digest, { params: { platform: { architecture: 'arm64' } } }), tempDir()),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('narrows by variant only when one is asked for (an extension: Go cannot ask)', async () => {
    const { registry, useCase } = setup();
    const v6 = appImage({ os: 'linux', architecture: 'arm', variant: 'v6' });
    const v7 = appImage(
      { os: 'linux', architecture: 'arm', variant: 'v7' },
      {
        config: { Labels: { v: '7' } },
      },
    );
    const index = buildIndex([v6, v7]);
    push(registry, REPO, index);
    const labels = async (platform: Record<string, string>) =>
      (await useCase.run(request(index.digest, { params: { platform, label_regex: '^v$' } }), tempDir())).metadata;
    expect(await labels({ architecture: 'arm' })).not.toContainEqual({ name: 'v', value: '7' });
    expect(await labels({ architecture: 'arm', variant: 'v7' })).toContainEqual({ name: 'v', value: '7' });
  });
});

describe('GetImage: skip_download', () => {
  it('writes only the version files and reads only the manifest without a label or annotation pattern', async () => {
    const { registry, useCase, dest, files } = setup();
    const image = appImage();
    push(registry, REPO, image);
    const response = await useCase.run(request(image.digest, { params: { skip_download: true } }), dest);
    expect(files.entries(dest)).toEqual(['digest', 'repository', 'tag']);
    expect(readdirSync(dest)).toEqual([]);
    expect(registry.calls.map((c) => c.method)).toEqual(['getManifest']);
    expect(response.metadata).toEqual([
      { name: 'repository', value: 'registry.test/team/app' },
      { name: 'tag', value: '1.2.3' },
    ]);
  });

  it('fails like the Go resource when the registry no longer has the digest', async () => {
    const { useCase, dest } = setup();
    const missing = `sha256:${'0'.repeat(64)}`;
    await expect(useCase.run(request(missing, { params: { skip_download: true } }), dest)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('still reports matching labels (from the config) and annotations, downloading no layer', async () => {
    const { registry, useCase, dest, files } = setup();
    const image = appImage();
    push(registry, REPO, image);
    const response = await useCase.run(
      request(image.digest, {
        params: { skip_download: true, label_regex: 'team|zeta', annotation_regex: 'revision' },
      }),
      dest,
    );
    expect(files.entries(dest)).toEqual(['digest', 'repository', 'tag']);
    expect(readdirSync(dest)).toEqual([]);
    expect(response.metadata).toEqual([
      { name: 'repository', value: 'registry.test/team/app' },
      { name: 'tag', value: '1.2.3' },
      { name: 'com.example.team', value: 'core' },
      { name: 'zeta', value: 'z' },
      { name: 'org.opencontainers.image.revision', value: 'abc123' },
    ]);
    expect(registry.calls.map((c) => c.method)).toEqual(['getManifest', 'getBlobBytes']);
  });

  it('reads labels and annotations of the platform image when the digest is an index', async () => {
    const { registry, useCase, dest } = setup();
    const amd = appImage({ os: 'linux', architecture: 'amd64' });
    const arm = appImage({ os: 'linux', architecture: 'arm64' }, { config: { Labels: { arch: 'arm64' } } });
    const index = buildIndex([amd, arm], { annotations: { 'org.opencontainers.image.revision': 'index-level' } });
    push(registry, REPO, index);
    const response = await useCase.run(
      request(index.digest, {
        params: {
          skip_download: true,
          platform: { architecture: 'arm64' },
          label_regex: 'arch',
          annotation_regex: 'rev',
        },
      }),
      dest,
    );
    expect(response.metadata.slice(2)).toEqual([
      { name: 'arch', value: 'arm64' },
      { name: 'org.opencontainers.image.revision', value: 'abc123' },
    ]);
    expect(registry.calls.map((c) => c.method)).toEqual(['getManifest', 'getManifest', 'getBlobBytes']);
  });

  it('reads annotations from the manifest alone', async () => {
    const { registry, useCase, dest } = setup();
    const image = appImage();
    push(registry, REPO, image);
    const response = await useCase.run(
      request(image.digest, { params: { skip_download: true, annotation_regex: 'revision' } }),
      dest,
    );
    expect(response.metadata.at(-1)).toEqual({ name: 'org.opencontainers.image.revision', value: 'abc123' });
    expect(registry.calls.map((c) => c.method)).toEqual(['getManifest']);
  });
});

describe('GetImage: oci and oci-layout', () => {
  it('writes image.tar in docker-save form named after the original repository text, plus labels.json', async () => {
    const { registry, useCase, dest, files } = setup();
    const image = appImage();
    push(registry, REPO, image);
    await useCase.run(request(image.digest, { params: { format: 'oci' } }), dest);
    const entries = tarEntries(join(dest, 'image.tar'));
    const configName = `sha256:${image.configDigest.slice(7)}`;
    const layerNames = image.layers.map((l) => `${l.digest.slice(7)}.tar.gz`);
    expect(JSON.parse(entries.get('manifest.json')?.toString() ?? '')).toEqual([
      { Config: configName, RepoTags: ['registry.test/team/app:1.2.3'], Layers: layerNames },
    ]);
    expect(entries.get(configName)).toEqual(image.configBytes);
    image.layers.forEach((l, i) => expect(entries.get(layerNames[i] as string)).toEqual(l.bytes));
    expect(files.text(join(dest, 'labels.json'))).toBeDefined();
    expect(existsSync(join(dest, 'rootfs'))).toBe(false);
  });

  it('stores a blob listed twice once in image.tar, naming it twice in manifest.json', async () => {
    const { registry, useCase, dest } = setup();
    const empty = layerFromFiles([]);
    const image = buildImage({ layers: [empty, layerFromFiles([{ path: 'x', content: 'x' }]), empty] });
    push(registry, REPO, image);
    await useCase.run(request(image.digest, { params: { format: 'oci' } }), dest);
    const entries = tarEntries(join(dest, 'image.tar'));
    const emptyName = `${empty.digest.slice(7)}.tar.gz`;
    const names = tarNames(join(dest, 'image.tar'));
    expect(names.filter((n) => n === emptyName)).toHaveLength(1);
    expect(names).toHaveLength(4);
    const manifest = JSON.parse(entries.get('manifest.json')?.toString() ?? '') as Array<{ Layers: string[] }>;
    expect(manifest[0]?.Layers[0]).toBe(emptyName);
    expect(manifest[0]?.Layers[2]).toBe(emptyName);
  });

  it('wraps a single image in a one-entry index and marks it with single-image-digest', async () => {
    const { registry, useCase, dest } = setup();
    const image = appImage();
    push(registry, REPO, image);
    await useCase.run(request(image.digest, { params: { format: 'oci-layout' } }), dest);
    const oci = join(dest, 'oci');
    expect(JSON.parse(readFileSync(join(oci, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(readFileSync(join(oci, 'single-image-digest'), 'utf8')).toBe(image.digest);
    expect(JSON.parse(readFileSync(join(oci, 'index.json'), 'utf8'))).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: image.mediaType, size: image.manifestBytes.length, digest: image.digest }],
    });
    const blobs = readdirSync(join(oci, 'blobs/sha256')).sort();
    const expected = [image.digest, image.configDigest, ...image.layers.map((l) => l.digest)]
      .map((d) => d.slice(7))
      .sort();
    expect(blobs).toEqual(expected);
    for (const hex of blobs) {
      expect(
        createHash('sha256')
          .update(readFileSync(join(oci, 'blobs/sha256', hex)))
          .digest('hex'),
      ).toBe(hex);
    }
  });

  it('keeps a multi-arch index whole: index.json is the index itself and every platform is there', async () => {
    const { registry, useCase, dest } = setup();
    const amd = appImage({ os: 'linux', architecture: 'amd64' });
    const arm = appImage({ os: 'linux', architecture: 'arm64' });
    const index = buildIndex([amd, arm]);
    push(registry, REPO, index);
    const response = await useCase.run(
      request(index.digest, { params: { format: 'oci-layout', label_regex: 'zeta' } }),
      dest,
    );
    const oci = join(dest, 'oci');
    expect(readFileSync(join(oci, 'index.json'))).toEqual(index.manifestBytes);
    expect(existsSync(join(oci, 'single-image-digest'))).toBe(false);
    for (const img of [amd, arm]) {
      for (const d of [img.digest, img.configDigest, ...img.layers.map((l) => l.digest)]) {
        expect(existsSync(join(oci, 'blobs/sha256', d.slice(7)))).toBe(true);
      }
    }
    expect(response.metadata.at(-1)).toEqual({ name: 'zeta', value: 'z' });
  });
});

describe('GetImage: registry_mirror', () => {
  const hub = parseRepository('busybox');
  const mirror: RepositoryRef = { registry: 'mirror.test:5000', path: 'library/busybox' };
  const source = { repository: 'busybox', registry_mirror: { host: 'mirror.test:5000' } };

  it('uses the mirror when it has the digest and never asks the origin', async () => {
    const { registry, useCase, dest, files } = setup();
    const image = appImage();
    push(registry, mirror, image);
    await useCase.run({ source, version: { tag: 'latest', digest: image.digest }, params: {} }, dest);
    expect(readFileSync(join(dest, 'rootfs/app'), 'utf8')).toBe('app');
    expect(files.text(join(dest, 'repository'))).toBe('busybox');
    expect(registry.calls.every((c) => c.repository === 'mirror.test:5000/library/busybox')).toBe(true);
  });

  it('falls back to the origin with a warning, keeping the original repository in files and image.tar', async () => {
    const { registry, useCase, dest, logger, files } = setup();
    const image = appImage();
    push(registry, hub, image);
    await useCase.run({ source, version: { tag: 'latest', digest: image.digest }, params: { format: 'oci' } }, dest);
    expect(logger.lines.filter((l) => l.startsWith('warn:'))).toEqual([
      'warn: mirror mirror.test:5000/library/busybox does not have it; falling back to index.docker.io/library/busybox',
    ]);
    expect(files.text(join(dest, 'repository'))).toBe('busybox');
    const manifest = JSON.parse(tarEntries(join(dest, 'image.tar')).get('manifest.json')?.toString() ?? '') as {
      RepoTags: string[];
    }[];
    expect(manifest[0]?.RepoTags).toEqual(['busybox:latest']);
  });

  it('falls back when the mirror serves a broken layer, and the rootfs holds only the origin’s image', async () => {
    const { registry, useCase, dest, logger } = setup();
    const image = appImage();
    push(registry, hub, image);
    // The mirror has the manifest and config but lost a layer blob.
    registry.store.putManifest(mirror, image.digest, image.mediaType, image.manifestBytes);
    registry.store.putBlob(mirror, image.configBytes);
    registry.store.putBlob(mirror, (image.layers[0] as { bytes: Buffer }).bytes);
    await useCase.run({ source, version: { digest: image.digest }, params: {} }, dest);
    expect(
      logger.lines.some((l) => /^warn: mirror mirror\.test:5000\/library\/busybox failed \(.*not found/.test(l)),
    ).toBe(true);
    expect(readdirSync(join(dest, 'rootfs')).sort()).toEqual(['app', 'etc']);
  });
});
