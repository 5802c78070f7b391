import { describe, expect, it } from 'vitest';
import { InMemoryFilesystem } from '../../../../src/adapters/memory/in-memory-filesystem';
import { FsImageOutput } from '../../../../src/adapters/image-output/fs-image-output';
import { InMemoryRegistry } from '../../../../src/adapters/memory/in-memory-registry';
import { GetImage } from '../../../../src/application/in/get-image';
import { configuredTarget } from '../../../../src/application/mirror-plan';
import type { InRequest } from '../../../../src/application/request-types';
import { UnsignedImageError } from '../../../../src/ports/signature-verifier-port';
import { FakeSignatureVerifier } from '../../../support/fake-signature-verifier';
import { ImageMother } from '../../../support/image-mother';
import { RecordingLogger, tempDir } from '../../adapters/image-output/unpack-fixture';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const repo = { registry: 'registry.test', path: 'team/app' };

function setup(signed: string[], mother = new ImageMother()) {
  const registry = new InMemoryRegistry(mother.store);
  const logger = new RecordingLogger();
  const output = new FsImageOutput(logger, { progressSink: { isTTY: false, write: () => true }, chown: false });
  const verifier = new FakeSignatureVerifier(new Set(signed));
  const get = new GetImage(
    registry,
    output,
    new InMemoryFilesystem(),
    logger,
    { os: 'linux', architecture: 'amd64' },
    verifier,
  );
  const run = (digest: string, params: InRequest['params'] = {}) => {
    const request: InRequest = { source: { repository: 'registry.test/team/app' }, version: { digest }, params };
    const dest = tempDir();
    return { dest, result: get.run(request, dest, configuredTarget(request.source)) };
  };
  return { mother, registry, run };
}

describe('get with source.verify', () => {
  it('refuses an unsigned digest before fetching any blob, in one line naming it', async () => {
    const { mother, registry, run } = setup([]);
    const digest = mother.image(repo, ['latest'], 'a');
    const { dest, result } = run(digest);
    await expect(result).rejects.toThrow(
      new UnsignedImageError('registry.test/team/app', digest, 'no cosign signature'),
    );
    await expect(run(digest).result).rejects.toThrow(
      `refusing registry.test/team/app@${digest}: no valid signature by a key in source.verify (no cosign signature)`,
    );
    expect(registry.calls.filter((c) => c.method === 'getBlobBytes')).toEqual([]);
    expect(existsSync(join(dest, 'rootfs')) ? readdirSync(join(dest, 'rootfs')) : []).toEqual([]);
  });

  it('refuses with skip_download too', async () => {
    const { mother, run } = setup([]);
    const digest = mother.image(repo, ['latest'], 'a');
    await expect(run(digest, { skip_download: true }).result).rejects.toThrow(UnsignedImageError);
  });

  it('fetches a signed digest (as an OCI layout: the mother makes no real tars)', async () => {
    const mother = new ImageMother();
    const digest = mother.image(repo, ['latest'], 'a');
    const { run } = setup([digest], mother);
    const { dest, result } = run(digest, { format: 'oci-layout' });
    expect((await result).version.digest).toBe(digest);
    expect(existsSync(join(dest, 'oci', 'index.json'))).toBe(true);
  });
});
