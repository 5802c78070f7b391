import { injectable } from 'inversify';
import type { ProviderGrant, ProviderRequest, RegistryProvider, StepTarget } from '../../ports/registry-provider';
import { fixedCredentials } from './fixed-credentials';

/** `registry_mirror.username`/`password` for the mirror host, when the step uses the mirror. */
@injectable()
export class MirrorCredentialsProvider implements RegistryProvider {
  readonly name = 'registry_mirror credentials';
  readonly kind = 'credentials';

  switchedOnBy(request: ProviderRequest): readonly string[] {
    return request.source.registry_mirror?.username ? ['source.registry_mirror.username'] : [];
  }

  resolve(request: ProviderRequest, target: StepTarget): Promise<ProviderGrant> {
    const mirror = request.source.registry_mirror;
    if (!target.mirror || !mirror) return Promise.resolve({ credentials: [] });
    return Promise.resolve(fixedCredentials(target.mirror.registry, mirror.username, mirror.password));
  }
}
