import { describe, expect, it } from 'vitest';
import { parseConstraint } from '../../../../src/domain/semver/constraint';
import {
  bareTag,
  classifySemverTag,
  semverCandidateTags,
  type SemverPolicy,
} from '../../../../src/domain/semver/semver-tag-policy';

const plain: SemverPolicy = { preReleases: false, preReleasePrefixes: [] };

describe('semverCandidateTags', () => {
  it('keeps version tags and the bare tag, in listing order', () => {
    expect(
      semverCandidateTags(['non-semver-tag', 'latest', '2.0.0', '1', 'v1.2', '1.0.0-foo', '1.0.0-rc.1'], plain),
    ).toEqual(['latest', '2.0.0', '1', 'v1.2']);
  });

  it('drops the bare tag when a constraint is set, since check never reports it then', () => {
    const policy: SemverPolicy = { ...plain, constraint: parseConstraint('1.2.x') };
    expect(semverCandidateTags(['latest', '1.2.1', '1.3.0'], policy)).toEqual(['1.2.1']);
  });

  it('with a variant, keeps only that variant and its bare tag', () => {
    const policy: SemverPolicy = { ...plain, variant: 'alpine' };
    expect(
      semverCandidateTags(
        ['latest', 'alpine', '1.2.3', '1.2.3-alpine', '1.2.3-slim', '1.2-alpine', 'x-alpine'],
        policy,
      ),
    ).toEqual(['alpine', '1.2.3-alpine', '1.2-alpine']);
  });

  it('keeps prereleases only when opted in and spelled alpha/beta/rc or a configured prefix', () => {
    const tags = ['1.0.0-alpha', '1.0.0-beta.2', '1.0.0-rc1', '1.0.0-dev.1', '1.0.0-foo', '1.0.0-rc.1-foo'];
    expect(semverCandidateTags(tags, plain)).toEqual([]);
    expect(semverCandidateTags(tags, { ...plain, preReleases: true })).toEqual([
      '1.0.0-alpha',
      '1.0.0-beta.2',
      '1.0.0-rc1',
    ]);
    expect(semverCandidateTags(tags, { ...plain, preReleases: true, preReleasePrefixes: ['dev'] })).toEqual([
      '1.0.0-alpha',
      '1.0.0-beta.2',
      '1.0.0-rc1',
      '1.0.0-dev.1',
      '1.0.0-rc.1-foo',
    ]);
  });

  it('applies the constraint before resolving anything', () => {
    const policy: SemverPolicy = { ...plain, constraint: parseConstraint('>= 1.2 < 3.0.0 || >= 4.2.3') };
    expect(semverCandidateTags(['1.1.0', '1.2.0', '3.0.0', '4.2.3', '5'], policy)).toEqual(['1.2.0', '4.2.3', '5']);
  });
});

describe('classifySemverTag', () => {
  it('reads the bare tag, versions and the rest', () => {
    expect(bareTag(plain)).toBe('latest');
    expect(bareTag({ ...plain, variant: 'foo' })).toBe('foo');
    expect(classifySemverTag('latest', plain)).toEqual({ kind: 'bare', tag: 'latest' });
    expect(classifySemverTag('stable', plain)).toEqual({ kind: 'ignored', tag: 'stable' });
    const read = classifySemverTag('1.2-foo', { ...plain, variant: 'foo' });
    expect(read.kind).toBe('version');
    expect(read.kind === 'version' && read.version.toString()).toBe('1.2.0');
  });

  it('reads leading-zero tags as Masterminds v3.5.0 NewVersion does (coerced, text kept)', () => {
    const read = classifySemverTag('22.04-jammy', { ...plain, variant: 'jammy' });
    expect(read.kind === 'version' && [read.tag, read.version.toString(), read.version.original]).toEqual([
      '22.04-jammy',
      '22.4.0',
      '22.04',
    ]);
    expect(classifySemverTag('01.2.3', plain).kind).toBe('version');
    // Numeric prerelease identifiers keep the no-leading-zero rule.
    expect(classifySemverTag('1.2.3-rc.01', { ...plain, preReleases: true }).kind).toBe('ignored');
  });
});
