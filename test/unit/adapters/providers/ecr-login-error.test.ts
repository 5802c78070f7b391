import { describe, expect, it } from 'vitest';
import {
  describeAwsFailure,
  EcrLoginError,
  EcrUnreachableError,
} from '../../../../src/adapters/providers/ecr/ecr-login-error';
import { AuthenticationError, NetworkError } from '../../../../src/ports/registry-errors';

/** The shape of an SDK service exception (name = AWS error code, $metadata with the status). */
function serviceException(name: string, message: string, status: number): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status } });
}

describe('describeAwsFailure', () => {
  it('gives the AWS error code, its message and the status', () => {
    expect(describeAwsFailure(serviceException('AccessDenied', 'not authorized to\nassume it', 403))).toBe(
      'AccessDenied: not authorized to assume it (HTTP 403)',
    );
  });

  it('gives a network failure as Node words it, without repeating the code', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(describeAwsFailure(refused)).toBe('connect ECONNREFUSED 127.0.0.1:1');
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(describeAwsFailure(reset)).toBe('ECONNRESET: socket hang up');
  });

  it('clips a long message', () => {
    expect(describeAwsFailure(serviceException('X', 'y'.repeat(1000), 400)).length).toBe(300);
  });
});

describe('EcrLoginError', () => {
  it('is an authentication failure when AWS answered or no credentials were found', () => {
    const expired = EcrLoginError.from('login', serviceException('ExpiredToken', 'expired', 403));
    expect(expired).toBeInstanceOf(EcrLoginError);
    expect(expired).toBeInstanceOf(AuthenticationError);
    const none = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const error = EcrLoginError.from('login', none);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toBe('login: CredentialsProviderError: Could not load credentials from any providers');
  });

  it('is a network failure when AWS could not be reached', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
      $metadata: {},
    });
    const unreachable = EcrLoginError.from('login', refused);
    expect(unreachable).toBeInstanceOf(EcrUnreachableError);
    expect(unreachable).toBeInstanceOf(NetworkError);
    expect(unreachable).not.toBeInstanceOf(AuthenticationError);
    expect(unreachable.message).toBe('login: connect ECONNREFUSED 127.0.0.1:1');
  });
});
