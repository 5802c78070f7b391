import { describe, expect, it } from 'vitest';
import { parsePlatform, parsePlatformList, selectPlatforms } from '../../../../src/application/in/platform-list';
import { InvalidRequestError } from '../../../../src/domain/errors';
import { NotFoundError } from '../../../../src/ports/registry-errors';
import { parseRepository } from '../../../../src/domain/image-reference';
import type { Descriptor, ImageIndex } from '../../../../src/domain/manifest';

const REPO = parseRepository('registry.test/team/multi');
const DIGEST = `sha256:${'a'.repeat(64)}`;

function entry(n: number, platform?: Descriptor['platform']): Descriptor {
  return {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${String(n).repeat(64)}`,
    size: 100 + n,
    ...(platform ? { platform } : {}),
  };
}

const index = (manifests: Descriptor[]): ImageIndex => ({ schemaVersion: 2, manifests });

describe('parsePlatform', () => {
  it('reads os/architecture and an optional variant', () => {
    expect(parsePlatform('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(parsePlatform('windows/amd64')).toEqual({ os: 'windows', architecture: 'amd64' });
  });

  it.each(['linux', 'linux/', '/amd64', 'linux/arm/v7/extra', 'linux amd64', '', 'linux//v7'])(
    'refuses "%s" with one line naming it',
    (text) => {
      expect(() => parsePlatform(text)).toThrow(InvalidRequestError);
      expect(() => parsePlatform(text)).toThrow(`params.platforms: "${text}" is not os/architecture[/variant]`);
    },
  );

  it('refuses an empty list rather than keeping every platform', () => {
    expect(() => parsePlatformList([])).toThrow('params.platforms is empty');
    expect(parsePlatformList(['linux/amd64', 'linux/arm/v7'])).toHaveLength(2);
  });
});

describe('selectPlatforms', () => {
  const amd64 = entry(1, { os: 'linux', architecture: 'amd64' });
  const arm64 = entry(2, { os: 'linux', architecture: 'arm64', variant: 'v8' });
  const armv7 = entry(3, { os: 'linux', architecture: 'arm', variant: 'v7' });
  const all = index([amd64, arm64, armv7]);

  it('keeps the matching entries in the index order, each once', () => {
    const wanted = parsePlatformList(['linux/arm/v7', 'linux/amd64', 'linux/amd64']);
    expect(selectPlatforms(REPO, DIGEST, all, wanted)).toEqual([amd64, armv7]);
  });

  it('matches as params.platform does: no variant asked matches any variant, an asked one must be equal', () => {
    expect(selectPlatforms(REPO, DIGEST, all, [parsePlatform('linux/arm64')])).toEqual([arm64]);
    expect(() => selectPlatforms(REPO, DIGEST, all, [parsePlatform('linux/arm/v6')])).toThrow(NotFoundError);
  });

  it('reads an entry without a platform as linux/amd64', () => {
    const bare = entry(4);
    expect(selectPlatforms(REPO, DIGEST, index([bare, arm64]), [parsePlatform('linux/amd64')])).toEqual([bare]);
  });

  it('names every missing platform and what the index has, in one line', () => {
    const wanted = parsePlatformList(['linux/amd64', 'linux/s390x', 'windows/amd64']);
    expect(() => selectPlatforms(REPO, DIGEST, all, wanted)).toThrow(
      `registry.test/team/multi@${DIGEST} has no image for platforms linux/s390x, windows/amd64 (it has: linux/amd64, linux/arm64/v8, linux/arm/v7)`,
    );
  });
});
