import { ContainerModule } from 'inversify';
import { RegistryAuthExchange, type RegistryAuthExchangeFactory } from '../../ports/registry-auth-exchange';
import { RegistryPort } from '../../ports/registry-port';
import { DistributionAuthExchange } from './registry-auth-exchange-client';
import { DistributionRegistry } from './registry-client';

/**
 * Binds RegistryPort to the distribution client, one per container (tokens, schemes and
 * keep-alive connections are shared by everything a run does). The entrypoint binds
 * RegistryClientOptions (from the request's source) before resolving the port.
 *
 * RegistryAuthExchange is a factory: a provider asks for it while the chain resolves, and the
 * options it needs come from that chain, so it must not be built when the provider is.
 */
export const registryClientModule = new ContainerModule((options) => {
  options.bind(DistributionRegistry).toSelf().inSingletonScope();
  options.bind<RegistryPort>(RegistryPort).toService(DistributionRegistry);
  options.bind(DistributionAuthExchange).toSelf().inSingletonScope();
  options
    .bind<RegistryAuthExchangeFactory>(RegistryAuthExchange)
    .toFactory((context) => () => context.get(DistributionAuthExchange));
});
