import { describe, expect, it } from 'vitest';
import { NetworkErrorExchange, unreachable } from '../../../../src/adapters/registry/network-error-exchange';
import { StepDeadlineError } from '../../../../src/adapters/registry/step-deadline';
import { TransportError } from '../../../../src/adapters/registry/transport-error';
import { NetworkError } from '../../../../src/ports/registry-errors';
import { connectionReset, FakeExchange, request } from './fake-exchange';

const URL_WITH_QUERY = 'https://registry.test/v2/team/app/manifests/v1?secret=1';

async function failureOf(thrown: Error, insecure = false): Promise<NetworkError> {
  const exchange = new NetworkErrorExchange(new FakeExchange(() => thrown), () => insecure);
  const error: unknown = await exchange.exchange(request(URL_WITH_QUERY)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(NetworkError);
  return error as NetworkError;
}

describe('NetworkErrorExchange', () => {
  it('turns a reset into a temporary NetworkError with what, method and the redacted URL', async () => {
    const error = await failureOf(connectionReset());
    expect(error.message).toBe('fetching manifest v1 of registry.test/team/app failed: read ECONNRESET');
    expect(error).toMatchObject({
      kind: 'reset',
      method: 'GET',
      url: 'https://registry.test/v2/team/app/manifests/v1',
      temporary: true,
      status: undefined,
    });
  });

  it('counts a refused connection as temporary (the ping answered) but not a DNS failure', async () => {
    const refused = await failureOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(refused).toMatchObject({ kind: 'refused', temporary: true });
    const dns = await failureOf(Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }));
    expect(dns).toMatchObject({ kind: 'dns', temporary: false });
  });

  it('explains an untrusted certificate with its fix, and never retries it', async () => {
    const error = await failureOf(new TransportError('tls-certificate', 'SELF_SIGNED_CERT_IN_CHAIN', 'self-signed'));
    expect(error.message).toBe(
      'TLS certificate of registry registry.test is not trusted: self-signed; add its CA certificate to source.ca_certs, or set source.insecure: true to skip verification',
    );
    expect(error).toMatchObject({ kind: 'tls-certificate', temporary: false });
  });

  it('never retries past the step deadline', async () => {
    const error = await failureOf(new StepDeadlineError({ atMs: 0, budgetMs: 60_000 }));
    expect(error).toMatchObject({ kind: 'deadline', temporary: false });
  });

  it('passes answers through untouched', async () => {
    const exchange = new NetworkErrorExchange(new FakeExchange(() => ({ status: 404 })), () => false);
    expect((await exchange.exchange(request(URL_WITH_QUERY))).status).toBe(404);
  });
});

describe('unreachable (a failed ping)', () => {
  it('names the registry and origin; a dropped connection is temporary, a refusal is not', () => {
    const base = new URL('https://registry.test');
    const reset = unreachable(
      'registry.test',
      base,
      new TransportError('reset', 'ECONNRESET', 'socket hang up'),
      false,
    );
    expect(reset.message).toBe('cannot reach registry registry.test at https://registry.test: socket hang up');
    expect(reset.temporary).toBe(true);
    const refused = unreachable('registry.test', base, new TransportError('refused', 'ECONNREFUSED', 'refused'), false);
    expect(refused).toMatchObject({ kind: 'refused', temporary: false, url: 'https://registry.test/' });
  });
});
