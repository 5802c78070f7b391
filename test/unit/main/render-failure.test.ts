import { describe, expect, it } from 'vitest';
import { InvalidRequestError, UnsafeContentError } from '../../../src/domain/errors';
import { renderFailure } from '../../../src/main/render-failure';
import { FilesystemError } from '../../../src/ports/filesystem-port';
import { AuthenticationError, NetworkError, NotFoundError, RegistryError } from '../../../src/ports/registry-errors';
import { SigningError } from '../../../src/ports/signer-port';
import { PUSHED_IMAGE } from '../../support/pushed-image';

const image = PUSHED_IMAGE;

describe('renderFailure', () => {
  it('gives a resource error its own message, whatever its class', () => {
    expect(renderFailure(new InvalidRequestError('source.repository is required'))).toBe(
      'source.repository is required',
    );
    expect(renderFailure(new FilesystemError('failed to read file at "/src/tags": ENOENT'))).toBe(
      'failed to read file at "/src/tags": ENOENT',
    );
    expect(renderFailure(new UnsafeContentError('layer sha256:1 writes ../etc/passwd'))).toBe(
      'layer sha256:1 writes ../etc/passwd',
    );
    expect(renderFailure(new NetworkError('refused', 'cannot reach registry.test: connect ECONNREFUSED'))).toBe(
      'cannot reach registry.test: connect ECONNREFUSED',
    );
    expect(renderFailure(new SigningError('Notary', image, ['v1'], 'server down'))).toBe(
      'registry.test/team/app@sha256:abc was pushed, but Notary signing failed, so tag(s) v1 are unsigned: server down',
    );
  });

  it('shows a registry answer’s status and diagnostics from its fields when the message does not', () => {
    const denied = new AuthenticationError('pushing registry.test/team/app:v1 was refused', {
      method: 'PUT',
      status: 403,
      diagnostics: [{ code: 'DENIED', message: 'requested access to the resource is denied' }],
    });
    expect(renderFailure(denied)).toBe(
      'pushing registry.test/team/app:v1 was refused (HTTP 403 DENIED: requested access to the resource is denied)',
    );
    const unknown = new NotFoundError('tag 1.0 of registry.test/team/app', {
      status: 404,
      diagnostics: [{ code: 'MANIFEST_UNKNOWN' }, { code: 'NAME_UNKNOWN', message: 'no such repository' }],
    });
    expect(renderFailure(unknown)).toBe(
      'tag 1.0 of registry.test/team/app (HTTP 404 MANIFEST_UNKNOWN; NAME_UNKNOWN: no such repository)',
    );
  });

  it('does not repeat what the message already says', () => {
    const said = new RegistryError('GET /v2/ failed: HTTP 503 UNAVAILABLE: try later', {
      status: 503,
      diagnostics: [{ code: 'UNAVAILABLE', message: 'try later' }],
    });
    expect(renderFailure(said)).toBe('GET /v2/ failed: HTTP 503 UNAVAILABLE: try later');
    expect(renderFailure(new RegistryError('the index nests too deep'))).toBe('the index nests too deep');
  });

  it('labels anything that is not a resource error as unexpected', () => {
    expect(renderFailure(new TypeError('x is not a function'))).toBe('unexpected error: x is not a function');
    expect(renderFailure('a string')).toBe('unexpected error: a string');
    expect(renderFailure(undefined)).toBe('unexpected error: undefined');
  });

  it('is one line, without registered secrets or the credentials of any URL, even in diagnostics', () => {
    const leaky = new RegistryError('token request to\n  https://bob:hunter22@auth.test/token failed', {
      status: 401,
      diagnostics: [{ code: 'UNAUTHORIZED', message: 'password s3cr3t-token is wrong' }],
    });
    const line = renderFailure(leaky, ['s3cr3t-token']);
    expect(line).toBe(
      'token request to https://***@auth.test/token failed (HTTP 401 UNAUTHORIZED: password *** is wrong)',
    );
    expect(renderFailure(new Error('connect to http://u:p@proxy.test:3128 failed'))).toBe(
      'unexpected error: connect to http://***@proxy.test:3128 failed',
    );
  });
});
