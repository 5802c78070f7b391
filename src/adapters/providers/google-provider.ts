import { injectable } from 'inversify';
import type { ProviderGrant, ProviderRequest, RegistryProvider, StepTarget } from '../../ports/registry-provider';
import { findApplicationDefaultCredentials } from './google/application-default-credentials';
import { GoogleTokenSource } from './google/google-token-source';

/**
 * `source.google_auth: true`: Application Default Credentials of the worker (a key file, the
 * gcloud ADC file or the GCE/GKE metadata server) log in to the repository's registry as
 * `oauth2accesstoken` with an access token, whatever its host (gcr.io, *-docker.pkg.dev or a
 * private one). The mirror keeps its own credentials.
 */
@injectable()
export class GoogleProvider implements RegistryProvider {
  readonly name = 'Google';
  readonly kind = 'cloud';

  switchedOnBy(request: ProviderRequest): readonly string[] {
    return request.source.google_auth === true ? ['source.google_auth'] : [];
  }

  async resolve(_request: ProviderRequest, target: StepTarget): Promise<ProviderGrant> {
    // Loaded only here: a step without google_auth never pays for the library (~25 packages).
    const library = await import('google-auth-library');
    const find = () => findApplicationDefaultCredentials(library);
    const source = new GoogleTokenSource(await find(), find);
    return { credentials: [{ registry: target.origin.registry, source }] };
  }
}
