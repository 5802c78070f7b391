import { describe, expect, it } from 'vitest';
import { isLoopbackRegistry, parseRepository } from '../../../src/domain/image-reference';

describe('parseRepository', () => {
  it.each([
    ['alpine', 'index.docker.io', 'library/alpine'],
    ['concourse/concourse', 'index.docker.io', 'concourse/concourse'],
    ['docker.io/alpine', 'index.docker.io', 'library/alpine'],
    ['index.docker.io/library/alpine', 'index.docker.io', 'library/alpine'],
    ['registry-1.docker.io/foo/bar', 'index.docker.io', 'foo/bar'],
    ['ghcr.io/org/img', 'ghcr.io', 'org/img'],
    ['127.0.0.1:5000/foo', '127.0.0.1:5000', 'foo'],
    ['localhost/foo/bar', 'localhost', 'foo/bar'],
    ['localhost:5000/foo', 'localhost:5000', 'foo'],
    ['[::1]:5000/foo/bar', '[::1]:5000', 'foo/bar'],
    ['my-registry.example.com:443/a.b/c_d/e-f', 'my-registry.example.com:443', 'a.b/c_d/e-f'],
  ])('%s -> %s / %s', (input, registry, path) => {
    expect(parseRepository(input)).toEqual({ registry, path });
  });

  it.each([
    ['', 'must not be empty'],
    ['alpine:3.18', 'must not contain a tag'],
    ['alpine@sha256:abc', 'must not contain a digest'],
    ['Upper/Case', 'invalid repository name component "Upper"'],
    ['a//b', 'invalid repository name component ""'],
  ])('rejects %s', (input, message) => {
    expect(() => parseRepository(input)).toThrow(message);
  });
});

describe('isLoopbackRegistry', () => {
  it.each([
    ['127.0.0.1:5000', true],
    ['localhost', true],
    ['[::1]:5000', true],
    ['reg.localhost:80', true],
    ['10.0.0.1:5000', false],
    ['ghcr.io', false],
  ])('%s -> %s', (registry, expected) => {
    expect(isLoopbackRegistry(registry)).toBe(expected);
  });
});
