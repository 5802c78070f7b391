import { describe, expect, it } from 'vitest';
import { ResourceError } from '../../../../src/domain/errors';
import {
  AuthenticationError,
  NetworkError,
  NotFoundError,
  RegistryError,
  redactUrl,
  renderDiagnostics,
  renderHttpFailure,
  reworded,
  temporaryReason,
} from '../../../../src/ports/registry-errors';

describe('RegistryError', () => {
  it('keeps the URL redacted whatever it is given: no query, no userinfo', () => {
    const error = new RegistryError('x', { url: 'https://bob:secret@cdn.test/blob?X-Amz-Signature=abc#frag' });
    expect(error.url).toBe('https://cdn.test/blob');
    expect(redactUrl(new URL('http://127.0.0.1:5000/v2/?scope=repository:a:pull'))).toBe('http://127.0.0.1:5000/v2/');
  });

  it('tells failures apart by class only: each kind is a RegistryError and a ResourceError, with no code', () => {
    for (const error of [new NotFoundError('x'), new AuthenticationError('x'), new NetworkError('reset', 'x')]) {
      expect(error).toBeInstanceOf(RegistryError);
      expect(error).toBeInstanceOf(ResourceError);
      expect(error).not.toHaveProperty('code');
    }
    expect(new NetworkError('tls-certificate', 'x')).toMatchObject({ name: 'NetworkError', kind: 'tls-certificate' });
    expect(new RegistryError('x')).toMatchObject({ name: 'RegistryError', diagnostics: [], temporary: false });
  });
});

describe('rendering', () => {
  it('writes the diagnostics as CODE: message, joined on one line', () => {
    expect(
      renderDiagnostics([{ code: 'NAME_UNKNOWN', message: 'repository name not known' }, { code: 'DENIED' }]),
    ).toBe('NAME_UNKNOWN: repository name not known; DENIED');
  });

  it('writes an answer we cannot use, plain or in brackets (transient answers)', () => {
    expect(renderHttpFailure('pushing manifest v1 to r/app', 400, 'MANIFEST_INVALID')).toBe(
      'pushing manifest v1 to r/app failed: HTTP 400 MANIFEST_INVALID',
    );
    expect(renderHttpFailure('fetching x', 503, 'UNAVAILABLE', true)).toBe('fetching x failed: HTTP 503 (UNAVAILABLE)');
    expect(renderHttpFailure('fetching x', 502, '')).toBe('fetching x failed: HTTP 502');
  });

  it('names the reason to retry from the fields, never from the message', () => {
    const answer = new RegistryError('anything', { status: 429, diagnostics: [{ code: 'TOOMANYREQUESTS' }] });
    expect(temporaryReason(answer)).toBe('HTTP 429 (TOOMANYREQUESTS)');
    const dropped = new NetworkError('reset', 'anything', { cause: new Error('socket hang up') });
    expect(temporaryReason(dropped)).toBe('socket hang up');
  });
});

describe('reworded', () => {
  it('keeps the class and every field, overriding only what it is told', () => {
    const first = new NetworkError('timeout', 'fetching x failed: timed out', {
      method: 'GET',
      url: 'https://r.test/v2/',
      temporary: true,
    });
    const final = reworded(first, 'fetching x failed: timed out (after 5 attempts)', { temporary: false });
    expect(final).toBeInstanceOf(NetworkError);
    expect(final).toMatchObject({
      kind: 'timeout',
      method: 'GET',
      url: 'https://r.test/v2/',
      temporary: false,
      message: 'fetching x failed: timed out (after 5 attempts)',
      cause: first,
    });
    expect(reworded(new NotFoundError('a', { status: 404 }), 'b')).toMatchObject({
      name: 'NotFoundError',
      status: 404,
    });
    expect(reworded(new AuthenticationError('a'), 'b')).toBeInstanceOf(AuthenticationError);
  });
});
