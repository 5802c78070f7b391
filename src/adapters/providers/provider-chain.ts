import { inject, injectable, multiInject } from 'inversify';
import { ConfigurationError } from '../../domain/errors';
import { canonicalRegistry, formatRepository } from '../../domain/image-reference';
import type { AuthPort, Credentials } from '../../ports/auth-port';
import { Logger } from '../../ports/logger';
import {
  ProviderRequest,
  RegistryProvider,
  type CredentialSource,
  type StepTarget,
} from '../../ports/registry-provider';

interface Owner {
  readonly provider: string;
  readonly source: CredentialSource;
  renewed: boolean;
}

interface Resolution {
  readonly target: StepTarget;
  readonly owners: ReadonlyMap<string, Owner>;
}

/**
 * Runs the providers a request switches on, once per step, and answers the registry client's
 * AuthPort questions from what they granted: the cloud provider first (it may rewrite the
 * target), then the credentials providers; for each host the first grant wins (a MultiKeychain).
 */
@injectable()
export class ProviderChain implements AuthPort {
  private resolution?: Promise<Resolution>;
  private settled?: StepTarget;

  constructor(
    @multiInject(RegistryProvider) private readonly providers: RegistryProvider[],
    @inject(ProviderRequest) private readonly request: ProviderRequest,
    @inject(Logger) private readonly logger: Logger,
  ) {}

  /** The step's target after every provider ran; resolved once, however often asked. */
  async resolve(): Promise<StepTarget> {
    return (await this.resolved()).target;
  }

  /** The resolved target once `resolve` has finished, else the configured one. */
  get currentTarget(): StepTarget {
    return this.settled ?? this.request.target;
  }

  async credentialsFor(registry: string): Promise<Credentials | undefined> {
    const owner = (await this.resolved()).owners.get(canonicalRegistry(registry));
    return owner && this.scrubbed(await owner.source.current());
  }

  async renew(registry: string): Promise<Credentials | undefined> {
    const owner = (await this.resolved()).owners.get(canonicalRegistry(registry));
    if (!owner?.source.renew || owner.renewed) return undefined;
    owner.renewed = true;
    this.logger.debug(`${registry} refused the ${owner.provider} credentials; renewing them once`);
    const renewed = await owner.source.renew();
    return renewed && this.scrubbed(renewed);
  }

  /** Tokens fetched at run time are secrets too: no log line may show them. */
  private scrubbed(credentials: Credentials): Credentials {
    this.logger.registerSecret?.(credentials.kind === 'basic' ? credentials.password : credentials.token);
    return credentials;
  }

  private resolved(): Promise<Resolution> {
    this.resolution ??= this.run();
    return this.resolution;
  }

  private async run(): Promise<Resolution> {
    const active = this.providers
      .map((provider) => ({ provider, fields: provider.switchedOnBy(this.request) }))
      .filter(({ fields }) => fields.length > 0);
    const clouds = active.filter(({ provider }) => provider.kind === 'cloud');
    if (clouds.length > 1) {
      const named = clouds.map(({ provider, fields }) => `${fields.join(', ')} (${provider.name})`);
      throw new ConfigurationError(`${named.join(' and ')} cannot be used together: configure one cloud provider`);
    }
    let target = this.request.target;
    const owners = new Map<string, Owner>();
    for (const { provider, fields } of [...clouds, ...active.filter(({ provider }) => provider.kind !== 'cloud')]) {
      const grant = await provider.resolve(this.request, target);
      if (grant.target) {
        this.logger.debug(`${provider.name}: repository is ${formatRepository(grant.target.origin)}`);
        target = grant.target;
      }
      for (const { registry, source } of grant.credentials) {
        const host = canonicalRegistry(registry);
        const owner = owners.get(host);
        if (owner) {
          this.logger.debug(`${provider.name}: ${registry} already has ${owner.provider} credentials; ignoring`);
          continue;
        }
        owners.set(host, { provider: provider.name, source, renewed: false });
        this.logger.debug(`${provider.name} (${fields.join(', ')}) supplies credentials for ${registry}`);
      }
    }
    this.settled = target;
    return { target, owners };
  }
}
