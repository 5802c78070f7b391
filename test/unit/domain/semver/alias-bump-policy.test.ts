import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../../src/domain/errors';
import { aliasTagsToBump, versionTag } from '../../../../src/domain/semver/alias-bump-policy';

interface PushExample {
  /** Tags already in the repository; undefined when the repository does not exist yet. */
  tags: string[] | undefined;
  variant: string;
  version: string;
  pushedTags: string[];
}

/** All tags `out` pushes for params.version with bump_aliases, as out_test.go lists them. */
function pushedTags(example: PushExample): string[] {
  const variant = example.variant === '' ? undefined : example.variant;
  return [versionTag(example.version, variant), ...aliasTagsToBump(example.version, variant, example.tags)];
}

// out_test.go "pushing semver tags", the bump_aliases rows (NAME_UNKNOWN / NOT_FOUND → undefined).
const table: [string, PushExample][] = [
  [
    'bumping aliases with no existing image',
    { tags: undefined, variant: '', version: '1.2.3', pushedTags: ['1.2.3', '1.2', '1', 'latest'] },
  ],
  [
    'bumping aliases with no existing tags',
    { tags: [], variant: '', version: '1.2.3', pushedTags: ['1.2.3', '1.2', '1', 'latest'] },
  ],
  [
    'not bumping aliases if a prerelease is given',
    { tags: [], variant: '', version: '1.2.3-alpha.1', pushedTags: ['1.2.3-alpha.1'] },
  ],
  [
    'bumping aliases if only older versions exist',
    { tags: ['1.2.2'], variant: '', version: '1.2.3', pushedTags: ['1.2.3', '1.2', '1', 'latest'] },
  ],
  [
    'not bumping anything if a newer patch already exists',
    { tags: ['1.2.4'], variant: '', version: '1.2.3', pushedTags: ['1.2.3'] },
  ],
  [
    'not bumping major if a newer minor already exists',
    { tags: ['1.3.0'], variant: '', version: '1.2.3', pushedTags: ['1.2.3', '1.2'] },
  ],
  [
    'bumping minor and major, but not latest, if a newer major version exists',
    { tags: ['2.0.0'], variant: '', version: '1.2.3', pushedTags: ['1.2.3', '1.2', '1'] },
  ],
  [
    'bumping everything even if a newer non-variant minor exists',
    { tags: ['1.3.0'], variant: 'lts', version: '1.2.3', pushedTags: ['1.2.3-lts', '1.2-lts', '1-lts', 'lts'] },
  ],
  [
    'bumping everything if the only available version is a prerelease',
    { tags: ['2.0.0-rc.1'], variant: '', version: '1.2.3', pushedTags: ['1.2.3', '1.2', '1', 'latest'] },
  ],
  [
    'bumping everything if the only available version is a different variant',
    {
      tags: ['2.0.0-goodbye'],
      variant: 'hello',
      version: '1.2.3',
      pushedTags: ['1.2.3-hello', '1.2-hello', '1-hello', 'hello'],
    },
  ],
  [
    'bumping variant aliases with no existing image',
    {
      tags: undefined,
      variant: 'hello',
      version: '1.2.3',
      pushedTags: ['1.2.3-hello', '1.2-hello', '1-hello', 'hello'],
    },
  ],
  [
    'bumping variant aliases with no existing tags',
    { tags: [], variant: 'hello', version: '1.2.3', pushedTags: ['1.2.3-hello', '1.2-hello', '1-hello', 'hello'] },
  ],
  [
    'bumping minor and major, but not latest, if a newer major version exists with the same variant',
    { tags: ['2.0.0-hello'], variant: 'hello', version: '1.2.3', pushedTags: ['1.2.3-hello', '1.2-hello', '1-hello'] },
  ],
  [
    'bumping aliases if only older versions exist of the same variant',
    {
      tags: ['1.2.2-hello'],
      variant: 'hello',
      version: '1.2.3',
      pushedTags: ['1.2.3-hello', '1.2-hello', '1-hello', 'hello'],
    },
  ],
  [
    'not bumping anything if a newer patch already exists of the same variant',
    { tags: ['1.2.4-hello'], variant: 'hello', version: '1.2.3', pushedTags: ['1.2.3-hello'] },
  ],
  [
    'not bumping major if a newer minor already exists of the same variant',
    { tags: ['1.3.0-hello'], variant: 'hello', version: '1.2.3', pushedTags: ['1.2.3-hello', '1.2-hello'] },
  ],
  // Beyond the Go table.
  [
    'the version itself already present blocks nothing',
    {
      tags: ['1.2.3', '1.2', '1', 'latest'],
      variant: '',
      version: '1.2.3',
      pushedTags: ['1.2.3', '1.2', '1', 'latest'],
    },
  ],
  [
    'a v prefix is dropped and missing segments filled',
    { tags: [], variant: '', version: 'v1.2', pushedTags: ['1.2.0', '1.2', '1', 'latest'] },
  ],
  ['v-prefixed newer tags still count', { tags: ['v1.2.4'], variant: '', version: '1.2.3', pushedTags: ['1.2.3'] }],
  [
    'an older major does not block',
    { tags: ['0.9.9', '0.10.0'], variant: '', version: '1.0.0', pushedTags: ['1.0.0', '1.0', '1', 'latest'] },
  ],
  [
    'a newer minor of another major does not block major',
    { tags: ['2.5.0'], variant: '', version: '1.2.3', pushedTags: ['1.2.3', '1.2', '1'] },
  ],
];

describe('aliasTagsToBump: out_test.go bump_aliases rows', () => {
  it.each(table)('%s', (_name, example) => {
    expect(pushedTags(example)).toEqual(example.pushedTags);
  });
});

describe('versionTag', () => {
  it.each([
    ['1.2.3', undefined, '1.2.3'],
    ['1.2.3', 'ubuntu', '1.2.3-ubuntu'],
    ['v1.2.3', undefined, '1.2.3'],
    ['1', undefined, '1.0.0'],
    ['1.2.3-rc.1', 'alpine', '1.2.3-rc.1-alpine'],
    // Masterminds v3.4.0+ NewVersion coerces leading zeros (#266): the tag is canonical.
    ['01.2.3', undefined, '1.2.3'],
    ['22.04', 'jammy', '22.4.0-jammy'],
  ])('%s with variant %s → %s', (version, variant, tag) => {
    expect(versionTag(version, variant)).toBe(tag);
  });

  it.each(['hoogily-boogily', '', '1.2.3.4', '1.2.3-rc.01'])('rejects %j as an invalid semantic version', (version) => {
    expect(() => versionTag(version)).toThrow(InvalidRequestError);
    expect(() => versionTag(version)).toThrow(`invalid semantic version: "${version}"`);
    expect(() => aliasTagsToBump(version, undefined, [])).toThrow(InvalidRequestError);
  });

  it('rejects a version whose tag a registry would refuse', () => {
    expect(() => versionTag('1.2.3+build.5')).toThrow('not a valid image tag');
  });
});
