import { ContainerModule, type Newable } from 'inversify';
import { AcrProvider } from '../../adapters/providers/acr-provider';
import { EcrProvider } from '../../adapters/providers/ecr-provider';
import { GoogleProvider } from '../../adapters/providers/google-provider';
import { MirrorCredentialsProvider } from '../../adapters/providers/mirror-credentials-provider';
import { StaticCredentialsProvider } from '../../adapters/providers/static-credentials-provider';
import { RegistryProvider } from '../../ports/registry-provider';

/** One ContainerModule per provider: adding a provider is one adapter file and one line here. */
function providerModule(provider: Newable<RegistryProvider>): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<RegistryProvider>(RegistryProvider).to(provider).inSingletonScope();
  });
}

/** Every registry provider, in the order they are asked for a host (cloud providers go first anyway). */
export const providerModules: readonly ContainerModule[] = [
  providerModule(GoogleProvider),
  providerModule(StaticCredentialsProvider),
  providerModule(MirrorCredentialsProvider),
  providerModule(EcrProvider),
  providerModule(AcrProvider),
];
