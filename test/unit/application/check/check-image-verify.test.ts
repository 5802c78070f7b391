import { describe, expect, it } from 'vitest';
import { InMemoryRegistry } from '../../../../src/adapters/memory/in-memory-registry';
import { CheckImage } from '../../../../src/application/check/check-image';
import { configuredTarget } from '../../../../src/application/mirror-plan';
import type { Source } from '../../../../src/application/request-types';
import type { RepositoryRef } from '../../../../src/domain/image-reference';
import { FakeSignatureVerifier } from '../../../support/fake-signature-verifier';
import { ImageMother } from '../../../support/image-mother';
import { memoryLogger } from '../../../support/memory-logger';

const repo: RepositoryRef = { registry: 'registry.test', path: 'team/app' };

describe('check with source.verify', () => {
  it('reports only signed versions and logs each unsigned one', async () => {
    const mother = new ImageMother();
    const v1 = mother.image(repo, ['1.0.0'], 'one');
    const v2 = mother.image(repo, ['2.0.0'], 'two');
    const v3 = mother.image(repo, ['3.0.0'], 'three');
    const logger = memoryLogger();
    const verifier = new FakeSignatureVerifier(new Set([v1, v3]));
    const check = new CheckImage(
      new InMemoryRegistry(mother.store),
      logger,
      { lookupConcurrency: 2 },
      { os: 'linux', architecture: 'amd64' },
      verifier,
    );
    const source: Source = { repository: 'registry.test/team/app' };
    expect(await check.run({ source }, configuredTarget(source))).toEqual([
      { tag: '1.0.0', digest: v1 },
      { tag: '3.0.0', digest: v3 },
    ]);
    expect(logger.warnings).toEqual([`skipping registry.test/team/app@${v2} (2.0.0): no cosign signature`]);
  });
});
