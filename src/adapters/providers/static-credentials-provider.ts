import { injectable } from 'inversify';
import type { ProviderGrant, ProviderRequest, RegistryProvider, StepTarget } from '../../ports/registry-provider';
import { fixedCredentials } from './fixed-credentials';

/**
 * `username`/`password` for the repository's registry. `params` of in/out replace the source's
 * pair for that step. As in the Go resource, both must be non-empty, else the step is anonymous.
 */
@injectable()
export class StaticCredentialsProvider implements RegistryProvider {
  readonly name = 'username/password';
  readonly kind = 'credentials';

  switchedOnBy(request: ProviderRequest): readonly string[] {
    if (request.params?.username) return ['params.username'];
    return request.source.username ? ['source.username'] : [];
  }

  resolve(request: ProviderRequest, target: StepTarget): Promise<ProviderGrant> {
    const pair = request.params?.username ? request.params : request.source;
    return Promise.resolve(fixedCredentials(target.origin.registry, pair.username, pair.password));
  }
}
