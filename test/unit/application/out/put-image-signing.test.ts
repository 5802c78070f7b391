import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFilesystem } from '../../../../src/adapters/filesystem/node-filesystem';
import { FsImageInputs } from '../../../../src/adapters/image-input/fs-image-inputs';
import { InMemoryRegistry } from '../../../../src/adapters/memory/in-memory-registry';
import { configuredTarget } from '../../../../src/application/mirror-plan';
import { PutImage } from '../../../../src/application/out/put-image';
import type { OutRequest } from '../../../../src/application/request-types';
import type { Logger } from '../../../../src/ports/logger';
import { SigningError, type PushedImage, type SignerPort } from '../../../../src/ports/signer-port';
import { buildImage, buildIndex, layerFromFiles } from '../../../integration/support/image-fixtures';
import { layoutEntries, writeEntriesToDir, writeTarFile } from '../../adapters/image-input/layout-fixtures';

const quiet: Logger = { info: () => {}, warn: () => {}, debug: () => {}, debugEnabled: false };

/** Records what it was asked to sign and which tags the registry held at that moment. */
class RecordingSigner implements SignerPort {
  readonly signed: { image: PushedImage; tagsInRegistry: (string | undefined)[] }[] = [];
  constructor(
    private readonly registry: InMemoryRegistry,
    private readonly failure?: string,
  ) {}

  async sign(image: PushedImage): Promise<void> {
    const tagsInRegistry = image.tags.map((t) => this.registry.store.manifest(image.repository, t)?.digest);
    this.signed.push({ image, tagsInRegistry });
    if (this.failure) throw new SigningError('Test', image, image.tags, this.failure);
  }
}

function request(params: Partial<OutRequest['params']>, source: Partial<OutRequest['source']> = {}): OutRequest {
  return {
    source: { repository: 'registry.example:5000/team/app', ...source },
    params: { image: 'image.tar', ...params },
  };
}

/** Every request here names the same repository; no provider rewrites it. */
const target = configuredTarget(request({}).source);

describe('PutImage signs what it pushed', () => {
  let src: string;
  const amd = buildImage({ layers: [layerFromFiles([{ path: 'a', content: 'A' }])] });
  const arm = buildImage({
    layers: [layerFromFiles([{ path: 'b', content: 'B' }])],
    platform: { os: 'linux', architecture: 'arm64' },
  });
  const index = buildIndex([amd, arm]);

  beforeAll(() => {
    src = mkdtempSync(join(tmpdir(), 'put-image-signing-'));
    writeTarFile(join(src, 'image.tar'), layoutEntries(amd));
    writeEntriesToDir(join(src, 'multi'), layoutEntries(index));
  });
  afterAll(() => rmSync(src, { recursive: true, force: true }));

  it('once, after every tag is in the registry, with the root digest, size and media type', async () => {
    const registry = new InMemoryRegistry();
    const signer = new RecordingSigner(registry);
    await new PutImage(registry, new FsImageInputs(), new NodeFilesystem(), quiet, signer).execute(
      request({ version: '1.2.3', bump_aliases: true }),
      src,
      target,
    );
    expect(signer.signed).toHaveLength(1);
    const [{ image, tagsInRegistry }] = signer.signed as [(typeof signer.signed)[number]];
    expect(image).toEqual({
      repository: { registry: 'registry.example:5000', path: 'team/app' },
      repositoryName: 'registry.example:5000/team/app',
      tags: ['1.2.3', 'latest', '1', '1.2'],
      digest: amd.digest,
      size: amd.manifestBytes.length,
      mediaType: amd.mediaType,
    });
    expect(tagsInRegistry).toEqual([amd.digest, amd.digest, amd.digest, amd.digest]);
  });

  it('signs the index, not its children, for a multi-arch layout', async () => {
    const registry = new InMemoryRegistry();
    const signer = new RecordingSigner(registry);
    await new PutImage(registry, new FsImageInputs(), new NodeFilesystem(), quiet, signer).execute(
      request({ image: 'multi' }, { tag: 'v1' }),
      src,
      target,
    );
    expect(signer.signed.map((s) => [s.image.digest, s.image.size, s.image.mediaType])).toEqual([
      [index.digest, index.manifestBytes.length, index.mediaType],
    ]);
  });

  it("fails the step with the signer's error, the tags staying pushed", async () => {
    const registry = new InMemoryRegistry();
    const signer = new RecordingSigner(registry, 'server down');
    await expect(
      new PutImage(registry, new FsImageInputs(), new NodeFilesystem(), quiet, signer).execute(
        request({}, { tag: 'v1' }),
        src,
        target,
      ),
    ).rejects.toThrow(
      `registry.example:5000/team/app@${amd.digest} was pushed, but Test signing failed, so tag(s) v1 are unsigned: server down`,
    );
    expect(registry.store.manifest({ registry: 'registry.example:5000', path: 'team/app' }, 'v1')?.digest).toBe(
      amd.digest,
    );
  });

  it('does not sign when the push fails', async () => {
    const registry = new InMemoryRegistry();
    const signer = new RecordingSigner(registry);
    await expect(
      new PutImage(registry, new FsImageInputs(), new NodeFilesystem(), quiet, signer).execute(
        request({ image: 'missing*' }, { tag: 'v1' }),
        src,
        target,
      ),
    ).rejects.toThrow(/no files match/);
    expect(signer.signed).toHaveLength(0);
  });
});
