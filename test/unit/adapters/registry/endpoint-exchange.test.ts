import { describe, expect, it } from 'vitest';
import { EndpointExchange } from '../../../../src/adapters/registry/endpoint-exchange';
import { RegistryEndpoints } from '../../../../src/adapters/registry/registry-endpoints';
import { RetryPolicy } from '../../../../src/adapters/registry/retry-policy';
import { TransportError } from '../../../../src/adapters/registry/transport-error';
import { memoryLogger } from '../../../support/memory-logger';
import { context, FakeExchange, request } from './fake-exchange';

/** A network where loopback speaks plain HTTP only and every other host speaks HTTPS. */
function network() {
  return new FakeExchange((r) =>
    r.url.hostname === '127.0.0.1' && r.url.protocol === 'https:'
      ? new TransportError('tls-handshake', 'EPROTO', 'wrong version number')
      : { status: 200 },
  );
}

function endpointExchange(insecure: string[] = []) {
  const pings = network();
  const logger = memoryLogger();
  const endpoints = new RegistryEndpoints(
    pings,
    new RetryPolicy({ attempts: 1, baseDelayMs: 1, maxDelayMs: 1, totalMs: 1000 }, logger),
    logger,
    insecure,
  );
  const inner = network();
  return { exchange: new EndpointExchange(inner, endpoints), inner, pings };
}

describe('EndpointExchange', () => {
  it('sends a loopback registry that does not speak TLS its requests over plain HTTP', async () => {
    const { exchange, inner, pings } = endpointExchange();
    const local = context({ registry: '127.0.0.1:5000' });
    await exchange.exchange(request('https://127.0.0.1:5000/v2/team/app/manifests/v1?x=1', { context: local }));
    await exchange.exchange(request('https://127.0.0.1:5000/v2/team/app/tags/list', { context: local }));
    expect(inner.lines).toEqual([
      'GET http://127.0.0.1:5000/v2/team/app/manifests/v1?x=1',
      'GET http://127.0.0.1:5000/v2/team/app/tags/list',
    ]);
    // The scheme is settled once per registry and run.
    expect(pings.lines).toEqual(['GET https://127.0.0.1:5000/v2/', 'GET http://127.0.0.1:5000/v2/']);
  });

  it('keeps HTTPS for a registry that speaks it, and other hosts as they are', async () => {
    const { exchange, inner } = endpointExchange();
    await exchange.exchange(request('https://registry.test/v2/team/app/manifests/v1'));
    await exchange.exchange(request('http://uploads.test/session/1'));
    expect(inner.lines).toEqual([
      'GET https://registry.test/v2/team/app/manifests/v1',
      'GET http://uploads.test/session/1',
    ]);
  });

  it("skips certificate checks for an insecure registry's own host only", async () => {
    const { exchange, inner } = endpointExchange(['registry.test']);
    await exchange.exchange(request('https://registry.test/v2/team/app/manifests/v1'));
    await exchange.exchange(request('https://cdn.test/blob'));
    expect(inner.requests.map((r) => r.insecure)).toEqual([true, false]);
  });
});
