import type { RegistryExchange, RegistryRequest } from './exchange';
import type { HttpResponse } from './http-transport';
import type { RegistryEndpoints } from './registry-endpoints';

/**
 * Scheme selection (go-containerregistry's schemer.go): requests are written for HTTPS, and a
 * request to the registry's own host goes out on the scheme its ping settled (plain HTTP for
 * insecure, loopback and private-address registries that do not speak TLS), with certificate
 * checks skipped for an `insecure` registry's host only.
 */
export class EndpointExchange implements RegistryExchange {
  constructor(
    private readonly inner: RegistryExchange,
    private readonly endpoints: RegistryEndpoints,
  ) {}

  async exchange(request: RegistryRequest): Promise<HttpResponse> {
    const endpoint = await this.endpoints.resolve(request.context.registry);
    let url = request.url;
    if (url.host === endpoint.base.host && url.protocol !== endpoint.base.protocol) {
      url = new URL(url.toString());
      url.protocol = endpoint.base.protocol;
    }
    const insecure = endpoint.insecure && url.hostname === endpoint.base.hostname;
    return this.inner.exchange({ ...request, url, insecure });
  }
}
