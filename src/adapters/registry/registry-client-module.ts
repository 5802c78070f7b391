import { ContainerModule } from 'inversify';
import { RegistryPort } from '../../ports/registry-port';
import { DistributionRegistry } from './registry-client';

/**
 * Binds RegistryPort to the distribution client, one per container (tokens, schemes and
 * keep-alive connections are shared by everything a run does). The entrypoint binds
 * RegistryClientOptions (from the request's source) before resolving the port.
 */
export const registryClientModule = new ContainerModule((options) => {
  options.bind(DistributionRegistry).toSelf().inSingletonScope();
  options.bind<RegistryPort>(RegistryPort).toService(DistributionRegistry);
});
