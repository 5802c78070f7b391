import { describe, expect, it } from 'vitest';
import { InMemoryRegistry } from '../../../../src/adapters/memory/in-memory-registry';
import { configuredTarget } from '../../../../src/application/mirror-plan';
import { CheckImage } from '../../../../src/application/check/check-image';
import type { CheckRequest, Source } from '../../../../src/application/request-types';
import type { RepositoryRef } from '../../../../src/domain/image-reference';
import { MediaType } from '../../../../src/domain/media-types';
import { sha256Digest } from '../../../../src/adapters/memory/in-memory-registry-store';
import { ImageMother } from '../../../support/image-mother';
import { memoryLogger } from '../../../support/memory-logger';
import { InvalidRequestError } from '../../../../src/domain/errors';
import { NotFoundError } from '../../../../src/ports/registry-errors';

const repo: RepositoryRef = { registry: 'registry.test', path: 'team/app' };

function setup() {
  const mother = new ImageMother();
  const registry = new InMemoryRegistry(mother.store);
  const logger = memoryLogger();
  const check = new CheckImage(registry, logger, { lookupConcurrency: 4 }, { os: 'linux', architecture: 'amd64' });
  const run = (source: Partial<Source>, version?: CheckRequest['version']) => {
    const request = { source: { repository: 'registry.test/team/app', ...source }, ...(version ? { version } : {}) };
    return check.run(request, configuredTarget(request.source));
  };
  return { mother, registry, logger, run };
}

describe('check, tag mode', () => {
  it('reports the digest the tag points to', async () => {
    const { mother, run } = setup();
    const digest = mother.image(repo, ['latest'], 'a');
    expect(await run({ tag: 'latest' })).toEqual([{ tag: 'latest', digest }]);
  });

  it('returns [cursor, current] when the cursor digest still exists', async () => {
    const { mother, run } = setup();
    const old = mother.image(repo, ['latest'], 'old');
    const current = mother.image(repo, ['latest'], 'new');
    expect(await run({ tag: 'latest' }, { tag: 'latest', digest: old })).toEqual([
      { tag: 'latest', digest: old },
      { tag: 'latest', digest: current },
    ]);
  });

  it('returns only the current digest when the cursor digest is gone', async () => {
    const { mother, run } = setup();
    const old = mother.image(repo, ['latest'], 'old');
    const current = mother.image(repo, ['latest'], 'new');
    mother.store.deleteManifest(repo, old);
    expect(await run({ tag: 'latest' }, { tag: 'latest', digest: old })).toEqual([{ tag: 'latest', digest: current }]);
  });

  it('returns the current digest once when the cursor is current', async () => {
    const { mother, run } = setup();
    const current = mother.image(repo, ['latest'], 'x');
    expect(await run({ tag: 'latest' }, { tag: 'latest', digest: current })).toEqual([
      { tag: 'latest', digest: current },
    ]);
  });

  it('returns [] for a missing tag or a missing repository', async () => {
    const { mother, run } = setup();
    mother.image(repo, ['latest'], 'x');
    expect(await run({ tag: 'nope' })).toEqual([]);
    expect(await run({ repository: 'registry.test/other', tag: 'latest' })).toEqual([]);
  });
});

describe('check, tag_regex mode', () => {
  it('returns matching tags in registry (lexical) order', async () => {
    const { mother, run } = setup();
    const a = mother.image(repo, ['build-2'], 'a');
    const b = mother.image(repo, ['build-10'], 'b');
    mother.image(repo, ['other'], 'c');
    expect(await run({ tag_regex: '^build-\\d+$' })).toEqual([
      { tag: 'build-10', digest: b },
      { tag: 'build-2', digest: a },
    ]);
  });

  it('is an unanchored match like Go regexp.MatchString', async () => {
    const { mother, run } = setup();
    const a = mother.image(repo, ['v1-beta'], 'a');
    expect(await run({ tag_regex: 'beta' })).toEqual([{ tag: 'v1-beta', digest: a }]);
  });

  it('reads the pattern as Go (RE2) syntax: inline flags, POSIX classes, \\z', async () => {
    const { mother, run } = setup();
    const lower = mother.image(repo, ['v1'], 'a');
    const upper = mother.image(repo, ['V22'], 'b');
    mother.image(repo, ['v3.1', 'V4-rc', 'xv5'], 'c');
    expect(await run({ tag_regex: '(?i)^V[[:digit:]]+\\z' })).toEqual([
      { tag: 'V22', digest: upper },
      { tag: 'v1', digest: lower },
    ]);
  });

  it('rejects lookaround, which RE2 does not have, before talking to the registry', async () => {
    const { registry, run } = setup();
    await expect(run({ tag_regex: '^v(?!1)' })).rejects.toMatchObject({
      name: InvalidRequestError.name,
      message:
        'source.tag_regex "^v(?!1)" is not a valid regular expression (Go RE2 syntax): invalid or unsupported Perl syntax: `(?!`',
    });
    expect(registry.calls).toEqual([]);
  });

  it('orders by image creation time with created_at_sort, oldest first', async () => {
    const { mother, run } = setup();
    const newest = mother.image(repo, ['a'], 'a', { created: '2024-03-01T00:00:00Z' });
    const oldest = mother.image(repo, ['b'], 'b', { created: '2022-01-01T00:00:00Z' });
    const middle = mother.image(repo, ['c'], 'c', { created: '2023-06-15T12:00:00.5Z' });
    expect(await run({ tag_regex: '.*', created_at_sort: true })).toEqual([
      { tag: 'b', digest: oldest },
      { tag: 'c', digest: middle },
      { tag: 'a', digest: newest },
    ]);
  });

  it('with created_at_sort, dates an index by its platform image, through nested indexes and default platforms', async () => {
    const { mother, run } = setup();
    const image = (seed: string, created: string, architecture = 'amd64') =>
      mother.image(repo, [], seed, { created, architecture });
    const index = (tags: string[], entries: Array<{ digest: string; platform?: object; index?: boolean }>) => {
      const manifests = entries.map((e) => {
        const stored = mother.store.manifest(repo, e.digest);
        return {
          mediaType: e.index ? MediaType.OciIndex : MediaType.OciManifest,
          digest: e.digest,
          size: stored?.bytes.length ?? 0,
          ...(e.platform ? { platform: e.platform } : {}),
        };
      });
      const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }));
      let digest = mother.store.putManifest(repo, sha256Digest(bytes), MediaType.OciIndex, bytes);
      for (const tag of tags) digest = mother.store.putManifest(repo, tag, MediaType.OciIndex, bytes);
      return digest;
    };
    const arm = { os: 'linux', architecture: 'arm64' };
    const amd = { os: 'linux', architecture: 'amd64' };
    // "plain": the amd64 image has no platform in the index (linux/amd64 by default); the arm64
    // image, listed first, is the newest and must not be taken.
    const plain = index(
      ['plain'],
      [
        { digest: image('plain-arm', '2030-01-01T00:00:00Z', 'arm64'), platform: arm },
        { digest: image('plain-amd', '2021-01-01T00:00:00Z') },
      ],
    );
    // "nested": an index whose amd64 entry is itself an index.
    const inner = index([], [{ digest: image('nested-amd', '2023-01-01T00:00:00Z'), platform: amd }]);
    const nested = index(
      ['nested'],
      [
        { digest: image('nested-arm', '2000-01-01T00:00:00Z', 'arm64'), platform: arm },
        { digest: inner, platform: amd, index: true },
      ],
    );
    const single = mother.image(repo, ['single'], 'single', { created: '2022-01-01T00:00:00Z' });
    expect(await run({ tag_regex: '.', created_at_sort: true })).toEqual([
      { tag: 'plain', digest: plain },
      { tag: 'single', digest: single },
      { tag: 'nested', digest: nested },
    ]);
  });

  it('with created_at_sort, fails like Go when an index has no image for the platform', async () => {
    const { mother, run } = setup();
    const armImage = mother.image(repo, [], 'arm-only', { architecture: 'arm64' });
    const stored = mother.store.manifest(repo, armImage);
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciIndex,
        manifests: [
          {
            mediaType: MediaType.OciManifest,
            digest: armImage,
            size: stored?.bytes.length ?? 0,
            platform: { os: 'linux', architecture: 'arm64' },
          },
        ],
      }),
    );
    mother.store.putManifest(repo, 'arm', MediaType.OciIndex, bytes);
    await expect(run({ tag_regex: '.', created_at_sort: true })).rejects.toMatchObject({
      name: NotFoundError.name,
      message: expect.stringContaining('has no image for platform linux/amd64 (it has: linux/arm64)') as string,
    });
    expect(await run({ tag_regex: '.' })).toHaveLength(1);
  });

  it('rejects an invalid regex before talking to the registry', async () => {
    const { registry, run } = setup();
    await expect(run({ tag_regex: '(' })).rejects.toThrow('source.tag_regex "(" is not a valid regular expression');
    expect(registry.calls).toEqual([]);
  });
});

describe('check with registry_mirror', () => {
  const hub: RepositoryRef = { registry: 'index.docker.io', path: 'library/alpine' };
  const mirror: RepositoryRef = { registry: 'mirror.test:5000', path: 'library/alpine' };

  it('uses the mirror for Docker Hub repositories', async () => {
    const { mother, registry, run } = setup();
    const digest = mother.image(mirror, ['3'], 'm');
    expect(await run({ repository: 'alpine', tag: '3', registry_mirror: { host: 'mirror.test:5000' } })).toEqual([
      { tag: '3', digest },
    ]);
    expect(registry.calls.map((c) => c.repository)).toEqual(['mirror.test:5000/library/alpine']);
  });

  it('falls back to the origin with a warning when the mirror lacks the tag', async () => {
    const { mother, logger, run } = setup();
    const digest = mother.image(hub, ['3'], 'hub');
    expect(await run({ repository: 'alpine', tag: '3', registry_mirror: { host: 'mirror.test:5000' } })).toEqual([
      { tag: '3', digest },
    ]);
    expect(logger.lines).toEqual([
      'WARN mirror mirror.test:5000/library/alpine does not have it; falling back to index.docker.io/library/alpine',
    ]);
  });

  it('ignores the mirror for a repository with an explicit registry', async () => {
    const { mother, registry, run } = setup();
    const digest = mother.image(repo, ['latest'], 'x');
    expect(await run({ tag: 'latest', registry_mirror: { host: 'mirror.test:5000' } })).toEqual([
      { tag: 'latest', digest },
    ]);
    expect(registry.calls.every((c) => c.repository === 'registry.test/team/app')).toBe(true);
  });
});

describe('check, semver mode lookups', () => {
  it('resolves candidate tags concurrently, never more than the configured bound', async () => {
    const mother = new ImageMother();
    for (let i = 0; i < 20; i++) mother.image(repo, [`1.${i}.0`], `v${i}`);
    const inner = new InMemoryRegistry(mother.store);
    let inFlight = 0;
    let peak = 0;
    const slow = Object.assign(Object.create(inner) as InMemoryRegistry, {
      headManifest: async (r: RepositoryRef, ref: string) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return inner.headManifest(r, ref);
      },
    });
    const check = new CheckImage(
      slow,
      memoryLogger(),
      { lookupConcurrency: 6 },
      { os: 'linux', architecture: 'amd64' },
    );
    const source = { repository: 'registry.test/team/app' };
    const versions = await check.run({ source }, configuredTarget(source));
    expect(versions).toHaveLength(20);
    expect(peak).toBe(6);
  });
});

describe('check, semver mode with a cursor', () => {
  it('does not look up tags that are not newer than a still-valid cursor', async () => {
    const { mother, registry, run } = setup();
    for (let i = 0; i < 10; i++) mother.image(repo, [`1.${i}.0`], `v${i}`);
    const cursor = mother.image(repo, ['1.10.0'], 'v10');
    const newer = mother.image(repo, ['1.11.0'], 'v11');
    expect(await run({}, { tag: '1.10.0', digest: cursor })).toEqual([
      { tag: '1.10.0', digest: cursor },
      { tag: '1.11.0', digest: newer },
    ]);
    const looked = registry.calls.filter((c) => c.method === 'headManifest').map((c) => c.reference);
    expect(looked.sort()).toEqual(['1.10.0', '1.11.0']);
  });

  it('reports a newer tag that shares its digest with a tag older than the cursor (as Go does)', async () => {
    const { mother, run } = setup();
    const shared = mother.image(repo, ['1.0.0', '2.0.0'], 'shared');
    const cursor = mother.image(repo, ['1.5.0'], 'cursor');
    expect(await run({}, { tag: '1.5.0', digest: cursor })).toEqual([
      { tag: '1.5.0', digest: cursor },
      { tag: '2.0.0', digest: shared },
    ]);
  });

  it('looks everything up when the cursor tag has moved', async () => {
    const { mother, registry, run } = setup();
    const old = mother.image(repo, ['1.0.0'], 'old');
    const moved = mother.image(repo, ['1.0.0'], 'moved');
    const two = mother.image(repo, ['2.0.0'], 'two');
    mother.image(repo, ['0.9.0'], 'older');
    const versions = await run({}, { tag: '1.0.0', digest: old });
    expect(versions.map((v) => v.tag)).toEqual(['0.9.0', '1.0.0', '2.0.0']);
    expect(versions[1]).toEqual({ tag: '1.0.0', digest: moved });
    expect(versions[2]).toEqual({ tag: '2.0.0', digest: two });
    expect(registry.calls.filter((c) => c.method === 'headManifest')).toHaveLength(3);
  });
});
