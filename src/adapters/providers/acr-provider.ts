import { inject, injectable, optional } from 'inversify';
import { ConfigurationError, InvalidRequestError, ResourceError, restated } from '../../domain/errors';
import type { Credentials } from '../../ports/auth-port';
import { Logger } from '../../ports/logger';
import { RegistryAuthExchange, type RegistryAuthExchangeFactory } from '../../ports/registry-auth-exchange';
import { AuthenticationError, RegistryError } from '../../ports/registry-errors';
import type { ProviderGrant, ProviderRequest, RegistryProvider, StepTarget } from '../../ports/registry-provider';
import { ACR_REFRESH_USER, acrTenant, exchangeForRefreshToken } from './acr/acr-exchange';
import { azureCloudFor, type AzureCloud } from './acr/azure-cloud';
import { AzureIdentityTokens, type EntraTokens } from './acr/entra-token';

/** Where the Entra ID token comes from; unbound in the container (the real library), a fake in tests. */
export const AcrEntraTokens = Symbol('AcrEntraTokens');

/**
 * `azure_acr: true`: Azure Container Registry through an Entra ID identity, as the Go resource's
 * AuthenticateToACR. An Entra ID token for the cloud's management scope (workload or managed
 * identity), traded at the registry's `/oauth2/exchange` for a refresh token, which is the
 * password of ACR_REFRESH_USER; the registry's normal token flow does the rest. Renewal after a
 * refusal runs the whole exchange again.
 */
@injectable()
export class AcrProvider implements RegistryProvider {
  readonly name = 'ACR';
  readonly kind = 'cloud';
  private readonly tokens: EntraTokens;

  constructor(
    @inject(RegistryAuthExchange) private readonly exchange: RegistryAuthExchangeFactory,
    @inject(Logger) private readonly logger: Logger,
    @inject(AcrEntraTokens) @optional() tokens?: EntraTokens,
  ) {
    this.tokens = tokens ?? new AzureIdentityTokens();
  }

  switchedOnBy(request: ProviderRequest): readonly string[] {
    return request.source.azure_acr === true ? ['source.azure_acr'] : [];
  }

  async resolve(request: ProviderRequest, target: StepTarget): Promise<ProviderGrant> {
    const registry = target.origin.registry;
    const choice = azureCloudFor(registry, request.source.azure_environment);
    if (choice.warning) this.logger.warn(choice.warning);
    this.logger.debug(
      `ACR: ${registry} is in ${choice.cloud.name} (authority ${choice.cloud.authorityHost}, scope ${choice.cloud.scope})`,
    );
    const login = (): Promise<Credentials> => this.login(request, registry, choice.cloud);
    let current = await login();
    return {
      credentials: [
        {
          registry,
          source: {
            current: () => Promise.resolve(current),
            renew: async () => (current = await login()),
          },
        },
      ],
    };
  }

  private async login(request: ProviderRequest, registry: string, cloud: AzureCloud): Promise<Credentials> {
    const { azure_client_id: clientId, azure_tenant_id: configuredTenant } = request.source;
    try {
      const entra = await this.tokens.token({ cloud, ...(clientId ? { clientId } : {}) });
      this.logger.registerSecret?.(entra.token);
      this.logger.debug(`ACR: Entra ID token from ${entra.identity}`);
      const exchange = this.exchange();
      const { tenant, from } = await acrTenant(exchange, registry, configuredTenant);
      this.logger.debug(`ACR: tenant ${tenant} (from ${from}); exchanging the token at ${registry}/oauth2/exchange`);
      const refreshToken = await exchangeForRefreshToken(
        exchange,
        registry,
        tenant,
        entra.token,
        configuredTenant !== undefined && configuredTenant !== '',
      );
      this.logger.registerSecret?.(refreshToken);
      this.logger.debug(`ACR: got a refresh token for ${registry}; logging in as ${ACR_REFRESH_USER}`);
      return { kind: 'basic', username: ACR_REFRESH_USER, password: refreshToken };
    } catch (error) {
      if (!(error instanceof ResourceError)) throw error;
      throw sameKind(error, `ACR authentication for ${registry} failed: ${error.message}`);
    }
  }
}

/**
 * The same kind of failure as `error` (its class and registry fields), saying which registry it
 * was for: a refused exchange stays an AuthenticationError, an unreachable one a NetworkError.
 */
function sameKind(error: ResourceError, message: string): ResourceError {
  if (error instanceof RegistryError || error instanceof ConfigurationError || error instanceof InvalidRequestError) {
    return restated(error, message);
  }
  // Any other failure on the way to a refresh token means we could not log in.
  return new AuthenticationError(message, { cause: error });
}
