import { describe, expect, it } from 'vitest';
import { parseByteRange } from '../../../../src/adapters/embedded-registry/byte-range';
import { isValidRepositoryName, parseRegistryRoute } from '../../../../src/adapters/embedded-registry/registry-route';
import { nextPageLink, tagPage } from '../../../../src/adapters/embedded-registry/tag-page';

const digest = `sha256:${'a'.repeat(64)}`;

describe('parseRegistryRoute', () => {
  it('recognises every endpoint, with slashes in repository names', () => {
    expect(parseRegistryRoute('/v2/')).toEqual({ kind: 'base' });
    expect(parseRegistryRoute('/v2')).toEqual({ kind: 'base' });
    expect(parseRegistryRoute('/v2/a/b/c/tags/list')).toEqual({ kind: 'tags', name: 'a/b/c' });
    expect(parseRegistryRoute('/v2/library/alpine/manifests/3.19')).toEqual({
      kind: 'manifest',
      name: 'library/alpine',
      reference: '3.19',
    });
    expect(parseRegistryRoute(`/v2/x/blobs/${digest}`)).toEqual({ kind: 'blob', name: 'x', digest });
    expect(parseRegistryRoute('/v2/x/y/blobs/uploads/')).toEqual({ kind: 'uploads', name: 'x/y' });
    expect(parseRegistryRoute('/v2/x/y/blobs/uploads/abc-123')).toEqual({ kind: 'upload', name: 'x/y', id: 'abc-123' });
    // A repository literally named ".../manifests" still routes on the last suffix.
    expect(parseRegistryRoute('/v2/a/manifests/manifests/latest')).toEqual({
      kind: 'manifest',
      name: 'a/manifests',
      reference: 'latest',
    });
  });

  it('returns undefined outside the API and for broken escapes', () => {
    expect(parseRegistryRoute('/v1/x/tags/list')).toBeUndefined();
    expect(parseRegistryRoute('/v2/x/unknown')).toBeUndefined();
    expect(parseRegistryRoute('/v2/%E0%A4%A/tags/list')).toBeUndefined();
  });

  it('validates repository names like the distribution spec', () => {
    expect(isValidRepositoryName('library/alpine')).toBe(true);
    expect(isValidRepositoryName('a__b/c-d.e')).toBe(true);
    expect(isValidRepositoryName('Upper')).toBe(false);
    expect(isValidRepositoryName('a//b')).toBe(false);
    expect(isValidRepositoryName('../etc')).toBe(false);
    expect(isValidRepositoryName('')).toBe(false);
  });
});

describe('tagPage', () => {
  const tags = ['b', 'a', 'd', 'c', 'e'];

  it('returns every tag in lexical order without n', () => {
    expect(tagPage(tags, undefined, undefined)).toEqual({ tags: ['a', 'b', 'c', 'd', 'e'] });
  });

  it('pages with n and last, announcing the next page only when tags remain', () => {
    expect(tagPage(tags, 2, undefined)).toEqual({ tags: ['a', 'b'], nextLast: 'b' });
    expect(tagPage(tags, 2, 'b')).toEqual({ tags: ['c', 'd'], nextLast: 'd' });
    expect(tagPage(tags, 2, 'd')).toEqual({ tags: ['e'] });
    expect(tagPage(tags, 3, 'b')).toEqual({ tags: ['c', 'd', 'e'] });
    expect(tagPage(tags, 5, 'e')).toEqual({ tags: [] });
  });

  it('builds an RFC 8288 Link with the escaped last tag', () => {
    expect(nextPageLink('x/y', 2, 'v1.0')).toBe('</v2/x/y/tags/list?n=2&last=v1.0>; rel="next"');
  });
});

describe('parseByteRange', () => {
  it('parses closed, open and suffix ranges, clamping the end', () => {
    expect(parseByteRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseByteRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseByteRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseByteRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
  });

  it('ignores absent, malformed and multi-range headers', () => {
    expect(parseByteRange(undefined, 100)).toBeUndefined();
    expect(parseByteRange('items=0-1', 100)).toBeUndefined();
    expect(parseByteRange('bytes=0-1,5-6', 100)).toBeUndefined();
  });

  it('flags ranges outside the blob as unsatisfiable', () => {
    expect(parseByteRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=9-3', 100)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=-0', 100)).toBe('unsatisfiable');
  });
});
