import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFilesystem } from '../../../../src/adapters/filesystem/node-filesystem';
import { FsImageInputs } from '../../../../src/adapters/image-input/fs-image-inputs';
import { InMemoryFilesystem } from '../../../../src/adapters/memory/in-memory-filesystem';
import { InMemoryRegistry } from '../../../../src/adapters/memory/in-memory-registry';
import { configuredTarget } from '../../../../src/application/mirror-plan';
import { NoopSigner } from '../../../../src/adapters/signers/noop-signer';
import { PutImage } from '../../../../src/application/out/put-image';
import type { OutRequest } from '../../../../src/application/request-types';
import { FilesystemError } from '../../../../src/ports/filesystem-port';
import type { Logger } from '../../../../src/ports/logger';
import { buildImage, buildIndex, layerFromFiles } from '../../../integration/support/image-fixtures';
import {
  dockerSaveEntries,
  layoutEntries,
  writeEntriesToDir,
  writeTarFile,
} from '../../adapters/image-input/layout-fixtures';

const repo = { registry: 'registry.example:5000', path: 'team/app' };
const quiet: Logger = { info: () => {}, warn: () => {}, debug: () => {}, debugEnabled: false };

function request(params: Partial<OutRequest['params']>, source: Partial<OutRequest['source']> = {}): OutRequest {
  return {
    source: { repository: 'registry.example:5000/team/app', ...source },
    params: { image: 'image.tar', ...params },
  };
}

/** Every request here names the same repository; no provider rewrites it. */
const target = configuredTarget(request({}).source);

describe('PutImage', () => {
  let src: string;
  const layerA = layerFromFiles([{ path: 'a', content: 'A'.repeat(5000) }]);
  const layerB = layerFromFiles([{ path: 'b', content: 'B' }]);
  const amd = buildImage({ layers: [layerA, layerB] });
  const arm = buildImage({ layers: [layerA], platform: { os: 'linux', architecture: 'arm64' } });
  const index = buildIndex([amd, arm]);

  beforeAll(() => {
    src = mkdtempSync(join(tmpdir(), 'put-image-test-'));
    writeTarFile(join(src, 'image.tar'), layoutEntries(amd));
    writeEntriesToDir(join(src, 'multi'), layoutEntries(index));
    writeTarFile(join(src, 'saved.tar'), dockerSaveEntries(amd));
  });
  afterAll(() => rmSync(src, { recursive: true, force: true }));
  /** The images are read from disk; glob and the tags file see only what this in-memory SRC lists. */
  const memorySrc = () => new InMemoryFilesystem().put(join(src, 'image.tar'), '').put(join(src, 'saved.tar'), '');
  const disk = new NodeFilesystem();

  it('pushes blobs, then the manifest under each tag, and answers like the Go resource', async () => {
    const registry = new InMemoryRegistry();
    const files = memorySrc().put(join(src, 'tags'), 'extra1\nextra2\n');
    const response = await new PutImage(registry, new FsImageInputs(), files, quiet, new NoopSigner()).execute(
      request({ additional_tags: 'tags', tag_prefix: 'v-' }, { tag: 'dev' }),
      src,
      target,
    );
    expect(response).toEqual({
      version: { tag: 'dev', digest: amd.digest },
      metadata: [
        { name: 'repository', value: 'registry.example:5000/team/app' },
        { name: 'tags', value: 'dev v-extra1 v-extra2' },
      ],
    });
    for (const tag of ['dev', 'v-extra1', 'v-extra2'])
      expect(registry.store.manifest(repo, tag)?.digest).toBe(amd.digest);
    for (const d of [layerA.digest, layerB.digest, amd.configDigest])
      expect(registry.store.hasBlob(repo, d)).toBe(true);
    // Tags are written only after every blob is in.
    const firstManifest = registry.calls.findIndex((c) => c.method === 'putManifest');
    const lastBlob = registry.calls.map((c) => c.method).lastIndexOf('pushBlob');
    expect(lastBlob).toBeLessThan(firstManifest);
  });

  it('re-pushing the same image uploads no blob', async () => {
    const registry = new InMemoryRegistry();
    const put = new PutImage(registry, new FsImageInputs(), disk, quiet, new NoopSigner());
    await put.execute(request({}, { tag: 'one' }), src, target);
    const uploadsBefore = registry.calls.filter((c) => c.method === 'pushBlob').length;
    await put.execute(request({}, { tag: 'two' }), src, target);
    expect(registry.calls.filter((c) => c.method === 'pushBlob').length).toBe(uploadsBefore);
    expect(registry.store.manifest(repo, 'two')?.digest).toBe(amd.digest);
  });

  it('pushes a multi-arch layout: children by digest, then the index, whose digest is kept', async () => {
    const registry = new InMemoryRegistry();
    const response = await new PutImage(registry, new FsImageInputs(), disk, quiet, new NoopSigner()).execute(
      request({ image: 'multi', version: '1.2.3' }),
      src,
      target,
    );
    expect(response.version).toEqual({ tag: '1.2.3', digest: index.digest });
    expect(registry.store.manifest(repo, '1.2.3')?.bytes.equals(index.manifestBytes)).toBe(true);
    const manifestPuts = registry.calls.filter((c) => c.method === 'putManifest').map((c) => c.reference);
    expect(manifestPuts.slice(0, 2).sort()).toEqual([amd.digest, arm.digest].sort());
    expect(manifestPuts[2]).toBe('1.2.3');
  });

  it('bumps aliases against the tags already in the repository', async () => {
    const registry = new InMemoryRegistry();
    registry.store.putManifest(repo, '1.3.0', amd.mediaType, amd.manifestBytes);
    const response = await new PutImage(registry, new FsImageInputs(), disk, quiet, new NoopSigner()).execute(
      request({ image: 'saved.tar', version: 'v1.2.5', bump_aliases: true }),
      src,
      target,
    );
    expect(response.metadata[1]).toEqual({ name: 'tags', value: '1.2.5 1.2' });
    expect(registry.store.tags(repo)).toEqual(['1.2', '1.2.5', '1.3.0']);
  });

  it('mounts blobs from the repository a docker save tarball names, when it is on the same registry', async () => {
    const registry = new InMemoryRegistry();
    const base = { registry: repo.registry, path: 'team/base' };
    for (const layer of amd.layers) registry.store.putBlob(base, layer.bytes);
    writeTarFile(
      join(src, 'from-base.tar'),
      dockerSaveEntries(amd, 'compressed', 'registry.example:5000/team/base:1.0'),
    );
    await new PutImage(registry, new FsImageInputs(), disk, quiet, new NoopSigner()).execute(
      request({ image: 'from-base.tar' }, { tag: 't' }),
      src,
      target,
    );
    const pushes = registry.calls.filter((c) => c.method === 'pushBlob').map((c) => c.reference);
    expect(pushes.sort()).toEqual([amd.configDigest, `mount:${layerA.digest}`, `mount:${layerB.digest}`].sort());
  });

  it('does not mount from another registry', async () => {
    const registry = new InMemoryRegistry();
    writeTarFile(join(src, 'elsewhere.tar'), dockerSaveEntries(amd, 'compressed', 'other.example/team/base:1.0'));
    await new PutImage(registry, new FsImageInputs(), disk, quiet, new NoopSigner()).execute(
      request({ image: 'elsewhere.tar' }, { tag: 't' }),
      src,
      target,
    );
    expect(registry.calls.filter((c) => c.reference?.startsWith('mount:'))).toEqual([]);
  });

  it('glob errors name the pattern (and the matches)', async () => {
    const put = new PutImage(new InMemoryRegistry(), new FsImageInputs(), memorySrc(), quiet, new NoopSigner());
    await expect(put.execute(request({ image: 'nomatch*.tar' }, { tag: 't' }), src, target)).rejects.toThrow(
      "no files match glob 'nomatch*.tar'",
    );
    await expect(put.execute(request({ image: '[is]*.tar' }, { tag: 't' }), src, target)).rejects.toThrow(
      `too many files match glob '[is]*.tar': ${join(src, 'image.tar')}, ${join(src, 'saved.tar')}`,
    );
  });

  it('reads the additional_tags file through the filesystem port, under SRC even when it starts with a slash', async () => {
    const registry = new InMemoryRegistry();
    const files = memorySrc().put(join(src, 'ci/tags'), ' a\tb\n');
    const response = await new PutImage(registry, new FsImageInputs(), files, quiet, new NoopSigner()).execute(
      request({ additional_tags: '/ci/tags' }),
      src,
      target,
    );
    expect(response.metadata[1]).toEqual({ name: 'tags', value: 'a b' });
  });

  it('a missing additional_tags file fails as a FilesystemError naming its path, before any push', async () => {
    const registry = new InMemoryRegistry();
    const put = new PutImage(registry, new FsImageInputs(), memorySrc(), quiet, new NoopSigner());
    const failure = put.execute(request({ additional_tags: 'missing' }, { tag: 't' }), src, target);
    await expect(failure).rejects.toBeInstanceOf(FilesystemError);
    await expect(failure).rejects.toThrow(`failed to read file at "${join(src, 'missing')}"`);
    expect(registry.calls).toEqual([]);
  });

  it('fails before touching the registry when no tag is given', async () => {
    const registry = new InMemoryRegistry();
    await expect(
      new PutImage(registry, new FsImageInputs(), disk, quiet, new NoopSigner()).execute(request({}), src, target),
    ).rejects.toThrow('no tag specified');
    expect(registry.calls).toEqual([]);
  });
});
