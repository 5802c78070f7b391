import { describe, expect, it } from 'vitest';
import { computePushTags, type PushTagInputs } from '../../../../src/application/out/push-tags';
import { ConfigurationError } from '../../../../src/domain/errors';

function inputs(partial: {
  tag?: string;
  variant?: string;
  version?: string;
  bump?: boolean;
  existing?: string[] | undefined;
  additional?: string;
  prefix?: string;
}): PushTagInputs {
  return {
    source: { ...(partial.tag ? { tag: partial.tag } : {}), ...(partial.variant ? { variant: partial.variant } : {}) },
    params: {
      ...(partial.version ? { version: partial.version } : {}),
      ...(partial.bump ? { bump_aliases: true } : {}),
      ...(partial.additional !== undefined ? { additional_tags: 'tags.txt' } : {}),
      ...(partial.prefix ? { tag_prefix: partial.prefix } : {}),
    },
    ...(partial.additional !== undefined ? { additionalTagsText: partial.additional } : {}),
    existingTags: async () => partial.existing,
  };
}

// Every "pushing semver tags" entry of the Go resource's out_test.go (names kept).
const goCases: Array<{
  name: string;
  existing: string[] | undefined;
  variant?: string;
  version: string;
  bump?: boolean;
  pushed: string[];
}> = [
  { name: 'semver tag with no variant', existing: [], version: '1.2.3', pushed: ['1.2.3'] },
  { name: 'semver tag with variant', existing: [], variant: 'ubuntu', version: '1.2.3', pushed: ['1.2.3-ubuntu'] },
  {
    name: 'bumping aliases with no existing image',
    existing: undefined,
    version: '1.2.3',
    bump: true,
    pushed: ['1.2.3', '1.2', '1', 'latest'],
  },
  {
    name: 'bumping aliases with no existing tags',
    existing: [],
    version: '1.2.3',
    bump: true,
    pushed: ['1.2.3', '1.2', '1', 'latest'],
  },
  {
    name: 'not bumping aliases if a prerelease is given',
    existing: [],
    version: '1.2.3-alpha.1',
    bump: true,
    pushed: ['1.2.3-alpha.1'],
  },
  {
    name: 'bumping aliases if only older versions exist',
    existing: ['1.2.2'],
    version: '1.2.3',
    bump: true,
    pushed: ['1.2.3', '1.2', '1', 'latest'],
  },
  {
    name: 'not bumping anything if a newer patch already exists',
    existing: ['1.2.4'],
    version: '1.2.3',
    bump: true,
    pushed: ['1.2.3'],
  },
  {
    name: 'not bumping major if a newer minor already exists',
    existing: ['1.3.0'],
    version: '1.2.3',
    bump: true,
    pushed: ['1.2.3', '1.2'],
  },
  {
    name: 'bumping minor and major, but not latest, if a newer major version exists',
    existing: ['2.0.0'],
    version: '1.2.3',
    bump: true,
    pushed: ['1.2.3', '1.2', '1'],
  },
  {
    name: 'bumping everything even if a newer non-variant minor exists',
    existing: ['1.3.0'],
    variant: 'lts',
    version: '1.2.3',
    bump: true,
    pushed: ['1.2.3-lts', '1.2-lts', '1-lts', 'lts'],
  },
  {
    name: 'bumping everything if the only available version is a prerelease',
    existing: ['2.0.0-rc.1'],
    version: '1.2.3',
    bump: true,
    pushed: ['1.2.3', '1.2', '1', 'latest'],
  },
  {
    name: 'bumping everything if the only available version is a different variant',
    existing: ['2.0.0-goodbye'],
    variant: 'hello',
    version: '1.2.3',
    bump: true,
    pushed: ['1.2.3-hello', '1.2-hello', '1-hello', 'hello'],
  },
  {
    name: 'bumping variant aliases with no existing image',
    existing: undefined,
    variant: 'hello',
    version: '1.2.3',
    bump: true,
    pushed: ['1.2.3-hello', '1.2-hello', '1-hello', 'hello'],
  },
  {
    name: 'bumping variant aliases with no existing tags',
    existing: [],
    variant: 'hello',
    version: '1.2.3',
    bump: true,
    pushed: ['1.2.3-hello', '1.2-hello', '1-hello', 'hello'],
  },
  {
    name: 'bumping minor and major, but not latest, if a newer major version exists with the same variant',
    existing: ['2.0.0-hello'],
    variant: 'hello',
    version: '1.2.3',
    bump: true,
    pushed: ['1.2.3-hello', '1.2-hello', '1-hello'],
  },
  {
    name: 'bumping aliases if only older versions exist of the same variant',
    existing: ['1.2.2-hello'],
    variant: 'hello',
    version: '1.2.3',
    bump: true,
    pushed: ['1.2.3-hello', '1.2-hello', '1-hello', 'hello'],
  },
  {
    name: 'not bumping anything if a newer patch already exists of the same variant',
    existing: ['1.2.4-hello'],
    variant: 'hello',
    version: '1.2.3',
    bump: true,
    pushed: ['1.2.3-hello'],
  },
  {
    name: 'not bumping major if a newer minor already exists of the same variant',
    existing: ['1.3.0-hello'],
    variant: 'hello',
    version: '1.2.3',
    bump: true,
    pushed: ['1.2.3-hello', '1.2-hello'],
  },
];

describe('computePushTags', () => {
  it.each(goCases)('$name', async (c) => {
    const tags = await computePushTags(
      inputs({ existing: c.existing, variant: c.variant, version: c.version, bump: c.bump }),
    );
    expect([...tags].sort()).toEqual([...c.pushed].sort());
    // The version tag comes first when there is no source.tag: it is what `out` reports.
    expect(tags[0]).toBe(c.pushed[0]);
  });

  it('non-semver version: invalid semantic version error (Go wording)', async () => {
    await expect(computePushTags(inputs({ version: 'hoogily-boogily' }))).rejects.toThrow(
      'invalid semantic version: "hoogily-boogily"',
    );
  });

  it('no version and no tag: "no tag specified"', async () => {
    await expect(computePushTags(inputs({}))).rejects.toThrow('no tag specified');
  });

  it('drops a v prefix from the version, as the Go resource does', async () => {
    expect(await computePushTags(inputs({ version: 'v1.4.0' }))).toEqual(['1.4.0']);
  });

  it('orders tags as the Go resource: source.tag, version, latest, MAJOR, MAJOR.MINOR, then prefixed additional tags', async () => {
    const tags = await computePushTags(
      inputs({ tag: 'edge', version: '2.0.0', bump: true, existing: [], additional: 'a\n  b\tc\n', prefix: 'pr-' }),
    );
    expect(tags.slice(0, 5)).toEqual(['edge', '2.0.0', 'latest', '2', '2.0']);
    expect(tags.slice(5)).toEqual(['pr-a', 'pr-b', 'pr-c']);
  });

  it('additional tags alone are enough', async () => {
    expect(await computePushTags(inputs({ additional: 'one two' }))).toEqual(['one', 'two']);
  });

  it('asks the registry for existing tags only when bumping aliases', async () => {
    let asked = 0;
    const base = inputs({ version: '1.0.0' });
    await computePushTags({ ...base, existingTags: async () => (asked++, []) });
    expect(asked).toBe(0);
  });

  it('keeps a duplicated tag once', async () => {
    expect(await computePushTags(inputs({ tag: 'x', additional: 'x y' }))).toEqual(['x', 'y']);
  });

  it('tag_prefix without additional_tags is a configuration error', async () => {
    await expect(computePushTags(inputs({ tag: 'x', prefix: 'p-' }))).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('tag_prefix with an additional_tags file that lists no tag is the same error (as in Go)', async () => {
    const without = computePushTags(inputs({ tag: 'x', prefix: 'p-' }));
    const expected = await without.then(
      () => undefined,
      (error: unknown) => error,
    );
    for (const text of ['', ' \n\t\n']) {
      await expect(computePushTags(inputs({ tag: 'x', additional: text, prefix: 'p-' }))).rejects.toEqual(expected);
    }
    expect(expected).toMatchObject({
      name: ConfigurationError.name,
      message:
        'params.tag_prefix is set but params.additional_tags gives no tags: the prefix applies only to additional tags',
    });
  });

  it('rejects an additional tag that is not a valid tag, naming it', async () => {
    await expect(computePushTags(inputs({ additional: 'good bad:tag' }))).rejects.toThrow('invalid tag "bad:tag"');
  });
});
