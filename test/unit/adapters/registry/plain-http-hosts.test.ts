import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HttpTransport, type HttpRequest, type HttpResponse } from '../../../../src/adapters/registry/http-transport';
import { mayUsePlainHttp } from '../../../../src/adapters/registry/plain-http-hosts';
import { RegistryEndpoints } from '../../../../src/adapters/registry/registry-endpoints';
import { RetryPolicy } from '../../../../src/adapters/registry/retry-policy';
import { TransportError } from '../../../../src/adapters/registry/transport-error';
import { NO_PROXY_ENVIRONMENT } from '../../../../src/adapters/registry/proxy-environment';
import { memoryLogger } from './support';

describe('mayUsePlainHttp (go-containerregistry name.Registry.Scheme)', () => {
  it.each([
    // loopback
    ['localhost', true],
    ['localhost:5000', true],
    ['registry.localhost:5000', true],
    ['a.b.localhost', true],
    ['127.0.0.1', true],
    ['127.0.0.1:5000', true],
    ['127.1.2.3:5000', true],
    ['[::1]:5000', true],
    ['::1', true],
    // RFC 1918, with or without port
    ['10.0.0.1', true],
    ['10.255.255.255:5000', true],
    ['172.16.0.1:5000', true],
    ['172.31.255.254', true],
    ['192.168.1.10:443', true],
    // just outside the private ranges
    ['172.15.255.255:5000', false],
    ['172.32.0.1', false],
    ['192.169.0.1', false],
    ['11.0.0.1', false],
    ['169.254.1.1', false],
    ['100.64.0.1', false],
    ['[fd00::1]:5000', false],
    // names are public unless they are localhost: `.local` is not special in Go either
    ['registry.local', false],
    ['registry.local:5000', false],
    ['localhost.example.com', false],
    ['10.0.0.1.nip.io', false],
    ['registry.example.com:5000', false],
    ['index.docker.io', false],
  ])('%s → %s', (registry, expected) => {
    expect(mayUsePlainHttp(registry)).toBe(expected);
  });
});

/** Answers like a registry that speaks only plain HTTP, without any network traffic. */
class PlainHttpOnlyTransport extends HttpTransport {
  readonly urls: string[] = [];
  constructor() {
    super({ ca: undefined, timeoutMs: 1000, proxy: NO_PROXY_ENVIRONMENT });
  }
  override exchange(request: HttpRequest): Promise<HttpResponse> {
    this.urls.push(request.url.toString());
    if (request.url.protocol === 'https:') {
      return Promise.reject(new TransportError('tls-handshake', 'EPROTO', 'wrong version number'));
    }
    return Promise.resolve({
      status: 200,
      statusText: 'OK',
      url: request.url,
      headers: { 'content-length': '2' },
      body: Readable.from([Buffer.from('{}')]),
    });
  }
}

function endpoints(transport: HttpTransport, insecure: string[] = []): RegistryEndpoints {
  const logger = memoryLogger();
  return new RegistryEndpoints(
    transport,
    new RetryPolicy({ attempts: 1, baseDelayMs: 1, maxDelayMs: 1, totalMs: 1000 }, logger),
    logger,
    insecure,
  );
}

describe('RegistryEndpoints scheme for private addresses', () => {
  it.each(['10.1.2.3:5000', '172.20.0.9', '192.168.0.2:8443'])(
    '%s: HTTPS first, then plain HTTP without insecure',
    async (registry) => {
      const transport = new PlainHttpOnlyTransport();
      const endpoint = await endpoints(transport).resolve(registry);
      expect(endpoint.base.toString()).toBe(`http://${registry}/`);
      expect(endpoint.insecure).toBe(false);
      expect(transport.urls).toEqual([`https://${registry}/v2/`, `http://${registry}/v2/`]);
    },
  );

  it('a public name stays on HTTPS and explains the handshake failure', async () => {
    const transport = new PlainHttpOnlyTransport();
    await expect(endpoints(transport).resolve('registry.local:5000')).rejects.toThrow(
      /TLS handshake with registry registry\.local:5000 failed: wrong version number.*source\.insecure: true/,
    );
    expect(transport.urls).toEqual(['https://registry.local:5000/v2/']);
  });

  it('a public name listed as insecure may use plain HTTP', async () => {
    const transport = new PlainHttpOnlyTransport();
    const endpoint = await endpoints(transport, ['registry.example.com']).resolve('registry.example.com');
    expect(endpoint.base.protocol).toBe('http:');
  });
});
