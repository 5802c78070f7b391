import { describe, expect, it } from 'vitest';
import { MAX_VERSION_LENGTH, parseVersion } from '../../../../src/domain/semver/version';

describe('parseVersion (Masterminds v3 NewVersion)', () => {
  it.each([
    ['1.2.3', '1.2.3', 3],
    ['v1.2.3', '1.2.3', 3],
    ['1.2', '1.2.0', 2],
    ['1', '1.0.0', 1],
    ['v1', '1.0.0', 1],
    ['0.0.0', '0.0.0', 3],
    ['1.2.3-rc.1', '1.2.3-rc.1', 3],
    ['1.2-5', '1.2.0-5', 2],
    ['1.0.0-alpha1', '1.0.0-alpha1', 3],
    ['1.2.3-rc.1-alpine', '1.2.3-rc.1-alpine', 3],
    ['1.2.3+build.01', '1.2.3+build.01', 3],
    ['1.2.3-beta.2+20130313144700', '1.2.3-beta.2+20130313144700', 3],
    ['v2.3.5-20161202202307-sha.e8fc5e5', '2.3.5-20161202202307-sha.e8fc5e5', 3],
    ['18446744073709551615.0.0', '18446744073709551615.0.0', 3],
    // Masterminds v3.4.0+ coerces leading zeros in NewVersion (CoerceNewVersion, #266).
    ['01.2.3', '1.2.3', 3],
    ['1.02.3', '1.2.3', 3],
    ['1.2.03', '1.2.3', 3],
    ['22.04', '22.4.0', 2],
  ])('accepts %s as %s with %i segment(s)', (text, canonical, segments) => {
    const version = parseVersion(text);
    expect(version?.toString()).toBe(canonical);
    expect(version?.segments).toBe(segments);
    expect(version?.original).toBe(text);
  });

  it.each([
    '',
    'latest',
    'V1.2.3',
    '1.2.3.4',
    '1.2.3-',
    '1.2.3-alpha.01',
    '1.2.3-alpha..1',
    '1.2.3+',
    '1.2.3+build..1',
    '1.2.3-al_pha',
    ' 1.2.3',
    '1.2.3 ',
    '18446744073709551616.0.0',
    'php7.3-apache',
  ])('rejects %j', (text) => {
    expect(parseVersion(text)).toBeUndefined();
  });

  it('splits prerelease and metadata', () => {
    const version = parseVersion('v1.2.3-rc.1+sha.abc');
    expect(version).toMatchObject({ major: 1n, minor: 2n, patch: 3n, prerelease: 'rc.1', metadata: 'sha.abc' });
  });
});

describe('Version.compare (semver 2.0 precedence)', () => {
  // Each list is strictly ascending.
  it.each([
    [
      [
        '1.0.0-alpha',
        '1.0.0-alpha.1',
        '1.0.0-alpha.beta',
        '1.0.0-beta',
        '1.0.0-beta.2',
        '1.0.0-beta.11',
        '1.0.0-rc.1',
        '1.0.0',
      ],
    ],
    [['0.9.0', '1.0.0', '1.2.1', '1.10.0', '2.0.0']],
    [['1.0.0-1', '1.0.0-2', '1.0.0-10', '1.0.0-a']],
    [['1.0.0-rc', '1.0.0-rc.1', '1.0.0-rc1']],
  ])('orders %j', (ascending) => {
    const versions = ascending.map((text) => parseVersion(text)!);
    for (let i = 0; i < versions.length - 1; i++) {
      expect(versions[i]!.compare(versions[i + 1]!), `${ascending[i]} < ${ascending[i + 1]}`).toBe(-1);
      expect(versions[i + 1]!.compare(versions[i]!)).toBe(1);
    }
  });

  it.each([
    ['1.2', '1.2.0'],
    ['v1', '1.0.0'],
    ['1.2.3+a', '1.2.3+b'],
    ['1.2.3-rc.1', 'v1.2.3-rc.1'],
  ])('treats %s and %s as equal', (a, b) => {
    expect(parseVersion(a)!.equals(parseVersion(b)!)).toBe(true);
  });
});

describe('parseVersion: Masterminds v3.5.0 specifics', () => {
  it('keeps the text of a coerced version and compares it by value', () => {
    const calendar = parseVersion('22.04')!;
    expect([calendar.original, calendar.toString()]).toEqual(['22.04', '22.4.0']);
    expect(calendar.equals(parseVersion('22.4')!)).toBe(true);
    expect(calendar.lessThan(parseVersion('22.10')!)).toBe(true);
  });

  it('accepts up to MaxVersionLen (256) characters', () => {
    const longest = `1.0.0-${'a'.repeat(MAX_VERSION_LENGTH - 6)}`;
    expect(parseVersion(longest)?.prerelease).toHaveLength(MAX_VERSION_LENGTH - 6);
    expect(parseVersion(`${longest}a`)).toBeUndefined();
  });

  // Past 15 digits npm's semver compares numeric identifiers as rounded JS numbers; Masterminds
  // compares them as uint64, and as text once they overflow it.
  it.each([
    ['1.0.0-9007199254740992', '1.0.0-9007199254740993', -1],
    ['1.0.0-18446744073709551615', '1.0.0-a', -1],
    ['1.0.0-99', '1.0.0-18446744073709551616', -1],
    ['1.0.0-18446744073709551616', '1.0.0-2a', -1],
    ['1.0.0-18446744073709551616', '1.0.0-18446744073709551617', -1],
    ['1.0.0-rc.1234567890123456', '1.0.0-rc.1234567890123456', 0],
  ])('orders %s against %s as %i', (a, b, order) => {
    expect(parseVersion(a)!.compare(parseVersion(b)!)).toBe(order);
    expect(parseVersion(b)!.compare(parseVersion(a)!)).toBe(0 - order);
  });
});
