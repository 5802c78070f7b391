import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsImageOutput } from '../../../../src/adapters/image-output/fs-image-output';
import { InMemoryFilesystem } from '../../../../src/adapters/memory/in-memory-filesystem';
import { InMemoryRegistry } from '../../../../src/adapters/memory/in-memory-registry';
import { GetImage } from '../../../../src/application/in/get-image';
import { configuredTarget } from '../../../../src/application/mirror-plan';
import type { InRequest } from '../../../../src/application/request-types';
import { InvalidRequestError } from '../../../../src/domain/errors';
import { NotFoundError } from '../../../../src/ports/registry-errors';
import { parseRepository, type RepositoryRef } from '../../../../src/domain/image-reference';
import {
  buildImage,
  buildIndex,
  layerFromFiles,
  type BuiltImage,
  type BuiltIndex,
  type Platform,
} from '../../../integration/support/image-fixtures';
import { RecordingLogger, tempDir } from '../../adapters/image-output/unpack-fixture';

const REPO = parseRepository('registry.test/team/multi');

function push(registry: InMemoryRegistry, repo: RepositoryRef, image: BuiltImage | BuiltIndex): void {
  if (image.kind === 'index') {
    for (const child of image.images) push(registry, repo, child);
  } else {
    for (const layer of image.layers) registry.store.putBlob(repo, layer.bytes);
    registry.store.putBlob(repo, image.configBytes);
  }
  registry.store.putManifest(repo, image.digest, image.mediaType, image.manifestBytes);
}

function setup() {
  const registry = new InMemoryRegistry();
  const logger = new RecordingLogger();
  const output = new FsImageOutput(logger, { progressSink: { isTTY: false, write: () => true }, chown: false });
  const files = new InMemoryFilesystem();
  const getImage = new GetImage(registry, output, files, logger, { os: 'linux', architecture: 'amd64' });
  const run = (req: InRequest, dest: string) => getImage.run(req, dest, configuredTarget(req.source));
  return { registry, run, files, dest: tempDir() };
}

const platformImage = (platform: Platform): BuiltImage =>
  buildImage({ layers: [layerFromFiles([{ path: 'arch', content: JSON.stringify(platform) }])], platform });

function threePlatforms(): BuiltIndex {
  return buildIndex(
    [
      platformImage({ os: 'linux', architecture: 'amd64' }),
      platformImage({ os: 'linux', architecture: 'arm64', variant: 'v8' }),
      platformImage({ os: 'linux', architecture: 'arm', variant: 'v7' }),
    ],
    { annotations: { 'org.opencontainers.image.revision': 'abc' } },
  );
}

const request = (digest: string, params: InRequest['params']): InRequest => ({
  source: { repository: 'registry.test/team/multi' },
  version: { tag: 'latest', digest },
  params,
});

const blob = (dest: string, digest: string): string => join(dest, 'oci/blobs/sha256', digest.slice('sha256:'.length));

describe('GetImage: params.platforms with format oci-layout', () => {
  it('writes an index of only the asked platforms, reports its digest, keeps the version', async () => {
    const { registry, run, dest, files } = setup();
    const index = threePlatforms();
    push(registry, REPO, index);
    const [amd64, arm64, armv7] = index.images as [BuiltImage, BuiltImage, BuiltImage];

    const response = await run(
      request(index.digest, { format: 'oci-layout', platforms: ['linux/arm64/v8', 'linux/amd64'] }),
      dest,
    );

    const indexJson = readFileSync(join(dest, 'oci/index.json'));
    const written = JSON.parse(indexJson.toString('utf8')) as { manifests: Array<{ digest: string }> };
    expect(written.manifests.map((m) => m.digest)).toEqual([amd64.digest, arm64.digest]);
    expect(written).toMatchObject({ annotations: { 'org.opencontainers.image.revision': 'abc' } });
    const cutDigest = `sha256:${createHash('sha256').update(indexJson).digest('hex')}`;
    expect(readFileSync(blob(dest, cutDigest))).toEqual(indexJson);
    expect(existsSync(blob(dest, index.digest))).toBe(false);
    for (const kept of [amd64, arm64]) {
      expect(readFileSync(blob(dest, kept.digest))).toEqual(kept.manifestBytes);
      expect(existsSync(blob(dest, kept.configDigest))).toBe(true);
      expect(existsSync(blob(dest, kept.layers[0]?.digest ?? ''))).toBe(true);
    }
    for (const dropped of [armv7.digest, armv7.configDigest, armv7.layers[0]?.digest ?? '']) {
      expect(existsSync(blob(dest, dropped))).toBe(false);
    }
    expect(files.text(join(dest, 'digest'))).toBe(index.digest);
    expect(response).toEqual({
      version: { tag: 'latest', digest: index.digest },
      metadata: [
        { name: 'repository', value: 'registry.test/team/multi' },
        { name: 'tag', value: 'latest' },
        { name: 'platforms_index_digest', value: cutDigest },
      ],
    });
    // The dropped child is never fetched.
    expect(registry.calls.filter((c) => c.reference === armv7.digest)).toEqual([]);
  });

  it('fails in one line naming the missing platform and what the index has, writing nothing', async () => {
    const { registry, run, dest } = setup();
    const index = threePlatforms();
    push(registry, REPO, index);
    const attempt = run(
      request(index.digest, { format: 'oci-layout', platforms: ['linux/amd64', 'linux/ppc64le'] }),
      dest,
    );
    await expect(attempt).rejects.toThrow(NotFoundError);
    await expect(attempt).rejects.toThrow(
      `registry.test/team/multi@${index.digest} has no image for platform linux/ppc64le (it has: linux/amd64, linux/arm64/v8, linux/arm/v7)`,
    );
    expect(existsSync(join(dest, 'oci'))).toBe(false);
  });

  it('refuses another format at once, before any registry request', async () => {
    const { registry, run, dest } = setup();
    const index = threePlatforms();
    push(registry, REPO, index);
    for (const format of [undefined, 'rootfs', 'oci'] as const) {
      const attempt = run(request(index.digest, { ...(format ? { format } : {}), platforms: ['linux/amd64'] }), dest);
      await expect(attempt).rejects.toThrow(InvalidRequestError);
      await expect(attempt).rejects.toThrow(`params.platforms needs format: oci-layout (format ${format ?? 'rootfs'}`);
    }
    expect(registry.calls).toEqual([]);
  });

  it('refuses a single image, since it has no children to choose from', async () => {
    const { registry, run, dest } = setup();
    const image = platformImage({ os: 'linux', architecture: 'amd64' });
    push(registry, REPO, image);
    await expect(
      run(request(image.digest, { format: 'oci-layout', platforms: ['linux/amd64'] }), dest),
    ).rejects.toThrow(
      `params.platforms needs an image index, but registry.test/team/multi@${image.digest} is a single image`,
    );
  });
});
