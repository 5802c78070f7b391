import { describe, expect, it } from 'vitest';
import { ConfigurationError, DigestMismatchError, type ResourceError, restated } from '../../../src/domain/errors';
import { NetworkError, RegistryError } from '../../../src/ports/registry-errors';

describe('restated', () => {
  it('keeps the class and every field, says more, and keeps the original as its cause', () => {
    const original = new NetworkError('timeout', 'fetching x failed: no answer', {
      url: 'https://r.test/v2/a/manifests/v1?token=secret',
      temporary: true,
    });
    const said = restated(original, 'ACR authentication for r.test failed: fetching x failed: no answer');
    expect(said).toBeInstanceOf(NetworkError);
    expect(said).toBeInstanceOf(RegistryError);
    expect(said).toMatchObject({ kind: 'timeout', url: 'https://r.test/v2/a/manifests/v1', temporary: true });
    expect(said.message).toBe('ACR authentication for r.test failed: fetching x failed: no answer');
    expect(said.cause).toBe(original);
    expect(original.message).toBe('fetching x failed: no answer');
  });

  it('works for domain errors with fields of their own', () => {
    const original = new DigestMismatchError('sha256:aa', 'sha256:bb', 'blob');
    const said = restated(original, `${original.message} (after 3 attempts)`);
    expect(said).toBeInstanceOf(DigestMismatchError);
    expect(said).toMatchObject({ expected: 'sha256:aa', actual: 'sha256:bb', name: 'DigestMismatchError' });
    expect(said.message).toBe('blob: content has digest sha256:bb, expected sha256:aa (after 3 attempts)');
  });

  it('leaves no string code to tell errors apart by', () => {
    const error: ResourceError = new ConfigurationError('bad');
    expect(error).not.toHaveProperty('code');
  });
});
