import { describe, expect, it } from 'vitest';
import { parseConstraint } from '../../../../src/domain/semver/constraint';
import { semverCandidateTags, type SemverPolicy } from '../../../../src/domain/semver/semver-tag-policy';
import { selectSemverVersions, type SemverCursor } from '../../../../src/domain/semver/version-selection';

/** One row of check_test.go's "tracking semver tags" table: tag → image name, as there. */
interface Example {
  tags: Record<string, string>;
  preReleases?: boolean;
  preReleasePrefixes?: string[];
  variant?: string;
  semverConstraint?: string;
  from?: SemverCursor;
  versions: string[];
}

function policyOf(example: Example): SemverPolicy {
  return {
    ...(example.variant ? { variant: example.variant } : {}),
    preReleases: example.preReleases === true,
    preReleasePrefixes: example.preReleasePrefixes ?? [],
    ...(example.semverConstraint ? { constraint: parseConstraint(example.semverConstraint) } : {}),
  };
}

// Images named like Go's "random-N"; a digest per image name.
const digestOf = (image: string): string => `sha256:${image}`;

/** What check reports for the example when the registry lists its tags in `order`. */
function runCheck(example: Example, order: readonly string[]) {
  const policy = policyOf(example);
  const candidates = semverCandidateTags(order, policy);
  const resolved = candidates.map((tag) => ({ tag, digest: digestOf(example.tags[tag]!) }));
  return selectSemverVersions(resolved, policy, example.from);
}

function expected(example: Example) {
  return example.versions.map((tag) => ({ tag, digest: digestOf(example.tags[tag]!) }));
}

const table: [string, Example][] = [
  ['no semver tags', { tags: { 'non-semver-tag': 'random-1' }, versions: [] }],
  ['latest tag', { tags: { 'non-semver-tag': 'random-1', latest: 'random-2' }, versions: ['latest'] }],
  // Same selection as "latest tag"; the HEAD→GET fallback itself is the registry adapter's job.
  ['HEAD with GET fallback', { tags: { 'non-semver-tag': 'random-1', latest: 'random-2' }, versions: ['latest'] }],
  ['semver and non-semver tags', { tags: { '1.0.0': 'random-1', 'non-semver-tag': 'random-2' }, versions: ['1.0.0'] }],
  [
    'semver tag ordering',
    { tags: { '1.0.0': 'random-1', '1.2.1': 'random-3', '2.0.0': 'random-5' }, versions: ['1.0.0', '1.2.1', '2.0.0'] },
  ],
  [
    'semver tag ordering with cursor',
    {
      tags: { '1.0.0': 'random-1', '1.2.1': 'random-3', '2.0.0': 'random-5' },
      from: { tag: '1.2.1', digest: digestOf('random-3') },
      versions: ['1.2.1', '2.0.0'],
    },
  ],
  [
    'semver tag ordering with cursor with different digest',
    {
      tags: { '1.0.0': 'random-1', '1.2.1': 'random-3', '2.0.0': 'random-5' },
      from: { tag: '1.2.1', digest: 'bogus' },
      versions: ['1.0.0', '1.2.1', '2.0.0'],
    },
  ],
  [
    'semver constraint',
    {
      tags: { '1.0.0': 'random-1', '1.2.1': 'random-3', '1.2.2': 'random-4', '2.0.0': 'random-5', latest: 'random-6' },
      semverConstraint: '1.2.x',
      versions: ['1.2.1', '1.2.2'],
    },
  ],
  [
    'prereleases ignored by default',
    {
      tags: {
        '1.0.0-alpha.1': 'random-0',
        '1.0.0': 'random-1',
        '1.2.1-beta.1': 'random-2',
        '1.2.1': 'random-3',
        '2.0.0-rc.1': 'random-4',
        '2.0.0': 'random-5',
      },
      versions: ['1.0.0', '1.2.1', '2.0.0'],
    },
  ],
  [
    'prereleases opted in',
    {
      tags: {
        '1.0.0-alpha.1': 'random-0',
        '1.0.0': 'random-1',
        '1.2.1-beta.1': 'random-2',
        '1.2.1': 'random-3',
        '2.0.0-rc.1': 'random-4',
        '2.0.0': 'random-5',
      },
      preReleases: true,
      versions: ['1.0.0-alpha.1', '1.0.0', '1.2.1-beta.1', '1.2.1', '2.0.0-rc.1', '2.0.0'],
    },
  ],
  [
    "prereleases do not include 'variants'",
    {
      tags: {
        '1.0.0-alpha.1': 'random-0',
        '1.0.0-beta.1': 'random-1',
        '1.0.0-rc.1': 'random-2',
        '1.0.0-foo.1': 'random-3',
      },
      preReleases: true,
      versions: ['1.0.0-alpha.1', '1.0.0-beta.1', '1.0.0-rc.1'],
    },
  ],
  [
    "prereleases do not include 'variants' (older table: final release alongside)",
    {
      tags: { '1.0.0-alpha.1': 'random-0', '1.0.0': 'random-1', '1.0.0-foo': 'random-2' },
      preReleases: true,
      versions: ['1.0.0-alpha.1', '1.0.0'],
    },
  ],
  [
    'prereleases do not require dot',
    {
      tags: {
        '1.0.0-alpha1': 'random-0',
        '1.0.0-alpha2': 'random-1',
        '1.0.0-beta1': 'random-2',
        '1.0.0-beta2': 'random-3',
        '1.0.0-rc1': 'random-4',
        '1.0.0-rc2': 'random-5',
        '1.0.0-foo1': 'random-6',
        '1.0.0-foo2': 'random-7',
      },
      preReleases: true,
      versions: ['1.0.0-alpha1', '1.0.0-alpha2', '1.0.0-beta1', '1.0.0-beta2', '1.0.0-rc1', '1.0.0-rc2'],
    },
  ],
  [
    'prereleases do not require number',
    {
      tags: { '1.0.0-alpha': 'random-0', '1.0.0-beta': 'random-1', '1.0.0-rc': 'random-2', '1.0.0-foo': 'random-3' },
      preReleases: true,
      versions: ['1.0.0-alpha', '1.0.0-beta', '1.0.0-rc'],
    },
  ],
  [
    'final versions take priority over rcs',
    {
      tags: { '1.0.0-rc.1': 'random-2', '1.0.0-rc1': 'random-2', '1.0.0-rc': 'random-2', '1.0.0': 'random-2' },
      preReleases: true,
      versions: ['1.0.0'],
    },
  ],
  [
    'mixed specificity semver tags',
    {
      tags: {
        '1': 'random-1',
        '2': 'random-2',
        '2.1': 'random-2',
        latest: 'random-3',
        '3': 'random-3',
        '3.2': 'random-3',
        '3.2.1': 'random-3',
        '3.1': 'random-4',
        '3.1.0': 'random-4',
        '3.0': 'random-5',
        '3.0.0': 'random-5',
      },
      versions: ['1', '2.1', '3.0.0', '3.1.0', '3.2.1'],
    },
  ],
  [
    'semver tags with latest tag having unique digest',
    { tags: { '1.0.0': 'random-1', 'non-semver-tag': 'random-2', latest: 'random-3' }, versions: ['1.0.0', 'latest'] },
  ],
  [
    'latest tag pointing to latest version',
    { tags: { '1': 'random-1', '2': 'random-2', '3': 'random-3', latest: 'random-3' }, versions: ['1', '2', '3'] },
  ],
  [
    'latest tag pointing to older version',
    { tags: { '1': 'random-1', '2': 'random-2', latest: 'random-2', '3': 'random-3' }, versions: ['1', '2', '3'] },
  ],
  [
    'variants',
    {
      tags: {
        latest: 'random-1',
        '1.0.0': 'random-1',
        '0.9.0': 'random-2',
        foo: 'random-3',
        '1.0.0-foo': 'random-3',
        '0.9.0-foo': 'random-4',
        bar: 'random-5',
        '1.0.0-bar': 'random-5',
        '0.9.0-bar': 'random-6',
      },
      variant: 'foo',
      versions: ['0.9.0-foo', '1.0.0-foo'],
    },
  ],
  [
    'variant with bare variant tag pointing to unique digest',
    {
      tags: {
        latest: 'random-1',
        '1.0.0': 'random-1',
        '0.9.0': 'random-2',
        foo: 'random-3',
        '0.8.0-foo': 'random-4',
        bar: 'random-5',
        '1.0.0-bar': 'random-5',
        '0.9.0-bar': 'random-6',
      },
      variant: 'foo',
      versions: ['0.8.0-foo', 'foo'],
    },
  ],
  [
    'distinguishing additional variants from prereleases',
    {
      tags: {
        '1.0.0-foo': 'random-1',
        '1.0.0-rc.1-foo': 'random-2',
        '1.0.0-alpha.1-foo': 'random-3',
        '1.0.0-beta.1-foo': 'random-4',
        '1.0.0-bar-foo': 'random-5',
        '1.0.0-rc.1-bar-foo': 'random-6',
        '1.0.0-alpha.1-bar-foo': 'random-7',
        '1.0.0-beta.1-bar-foo': 'random-8',
      },
      variant: 'foo',
      preReleases: true,
      versions: ['1.0.0-alpha.1-foo', '1.0.0-beta.1-foo', '1.0.0-rc.1-foo', '1.0.0-foo'],
    },
  ],
  // The two mirror rows select like "semver tag ordering"; mirror fallback is the use case's job.
  [
    'tries mirror and falls back on original repository',
    { tags: { '1.0.0': 'random-1', '1.2.1': 'random-3', '2.0.0': 'random-5' }, versions: ['1.0.0', '1.2.1', '2.0.0'] },
  ],
  [
    'uses mirror and ignores failing repository',
    { tags: { '1.0.0': 'random-1', '1.2.1': 'random-3', '2.0.0': 'random-5' }, versions: ['1.0.0', '1.2.1', '2.0.0'] },
  ],
];

// Rows beyond the Go table: README rules and the cursor/pre_release_prefixes behaviour of check.go.
const extra: [string, Example][] = [
  [
    'multiple variants are skipped unless the variant names them all (README)',
    {
      tags: { '1.2.3-php7.3-apache': 'random-1', '1.2.4-apache': 'random-2', '1.2.5-php7.4-apache': 'random-3' },
      variant: 'apache',
      preReleases: true,
      versions: ['1.2.4-apache'],
    },
  ],
  [
    'the full variant combination selects multi-variant tags (README)',
    {
      tags: { '1.2.3-php7.3-apache': 'random-1', '1.2.4-apache': 'random-2', '1.2.5-php7.3-apache': 'random-3' },
      variant: 'php7.3-apache',
      versions: ['1.2.3-php7.3-apache', '1.2.5-php7.3-apache'],
    },
  ],
  [
    'pre_release_prefixes add prefixes and allow dashes',
    {
      tags: {
        '1.0.0-dev.1': 'random-1',
        '1.0.0-dev-2': 'random-2',
        '1.0.0-rc.1': 'random-3',
        '1.0.0-foo.1': 'random-4',
      },
      preReleases: true,
      preReleasePrefixes: ['dev'],
      versions: ['1.0.0-dev.1', '1.0.0-dev-2', '1.0.0-rc.1'],
    },
  ],
  [
    'pre_release_prefixes without pre_releases change nothing',
    { tags: { '1.0.0-dev.1': 'random-1', '1.0.0': 'random-2' }, preReleasePrefixes: ['dev'], versions: ['1.0.0'] },
  ],
  [
    'cursor drops less specific aliases of itself (6.3 vs 6.3.0)',
    {
      tags: { '6.2.0': 'random-1', '6.3': 'random-2', '6.3.0': 'random-2', '6.4.0': 'random-3' },
      from: { tag: '6.3', digest: digestOf('random-2') },
      versions: ['6.3', '6.4.0'],
    },
  ],
  [
    'cursor tag gone: everything is reported',
    {
      tags: { '1.0.0': 'random-1', '2.0.0': 'random-2' },
      from: { tag: '1.5.0', digest: digestOf('random-9') },
      versions: ['1.0.0', '2.0.0'],
    },
  ],
  [
    'latest pointing below the cursor is reported, as Go never resolved that version',
    {
      tags: { '1': 'random-1', '2': 'random-2', latest: 'random-1' },
      from: { tag: '2', digest: digestOf('random-2') },
      versions: ['2', 'latest'],
    },
  ],
  [
    'cursor on latest skips nothing',
    {
      tags: { '1': 'random-1', latest: 'random-2' },
      from: { tag: 'latest', digest: digestOf('random-2') },
      versions: ['1', 'latest'],
    },
  ],
  [
    'v-prefixed tags keep their text',
    { tags: { 'v1.0.0': 'random-1', 'v1.1.0': 'random-2' }, versions: ['v1.0.0', 'v1.1.0'] },
  ],
  [
    'prerelease constraint admits prereleases',
    {
      tags: { '1.2.1-beta.1': 'random-1', '1.2.1': 'random-2', '1.2.0': 'random-3' },
      preReleases: true,
      semverConstraint: '>=1.2.1-0',
      versions: ['1.2.1-beta.1', '1.2.1'],
    },
  ],
  // Masterminds v3.4.0+ NewVersion coerces leading zeros (#266): calendar tags count, as written.
  [
    'calendar tags with leading zeros are versions and keep their text',
    {
      tags: { '22.04': 'random-1', '20.04': 'random-2', '22.10': 'random-3', '24.04.1': 'random-4' },
      versions: ['20.04', '22.04', '22.10', '24.04.1'],
    },
  ],
  [
    'a leading-zero tag and a more specific twin of one digest: the one with more dots wins',
    { tags: { '22.04': 'random-1', '22.4.0': 'random-1', '20.04': 'random-2' }, versions: ['20.04', '22.4.0'] },
  ],
  [
    'a constraint matches coerced versions',
    {
      tags: { '22.04': 'random-1', '20.04': 'random-2', '24.04': 'random-3' },
      semverConstraint: '>= 22.4, < 24',
      versions: ['22.04'],
    },
  ],
  // Masterminds v3.4.0+ (#267): one prerelease comparator opens its AND group to prereleases.
  [
    'a prerelease lower bound admits prereleases under an upper bound without one',
    {
      tags: { '1.5.0-rc.1': 'random-1', '1.5.0': 'random-2', '2.0.0-rc.1': 'random-3' },
      preReleases: true,
      semverConstraint: '>=1.0.0-0 <2.0.0',
      // 2.0.0-rc.1 precedes 2.0.0, so `<2.0.0` holds for it once prereleases are admitted.
      versions: ['1.5.0-rc.1', '1.5.0', '2.0.0-rc.1'],
    },
  ],
];

describe('selectSemverVersions: check_test.go "tracking semver tags"', () => {
  it.each([...table, ...extra])('%s', (_name, example) => {
    const listed = Object.keys(example.tags);
    // Go ranges over a map, so the registry order must not matter.
    expect(runCheck(example, listed)).toEqual(expected(example));
    expect(runCheck(example, [...listed].reverse())).toEqual(expected(example));
  });
});

describe('selectSemverVersions: details', () => {
  it('ignores entries that are not candidates', () => {
    const policy: SemverPolicy = { preReleases: false, preReleasePrefixes: [] };
    const result = selectSemverVersions(
      [
        { tag: 'nightly', digest: 'sha256:a' },
        { tag: '1.0.0', digest: 'sha256:b' },
      ],
      policy,
    );
    expect(result).toEqual([{ tag: '1.0.0', digest: 'sha256:b' }]);
  });

  it('keeps the first tag met among equally specific tags of one digest', () => {
    const policy: SemverPolicy = { preReleases: false, preReleasePrefixes: [] };
    const result = selectSemverVersions(
      [
        { tag: 'v1.0.0', digest: 'sha256:a' },
        { tag: '1.0.0', digest: 'sha256:a' },
      ],
      policy,
    );
    expect(result).toEqual([{ tag: 'v1.0.0', digest: 'sha256:a' }]);
  });
});
