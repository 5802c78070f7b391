import { inject, injectable } from 'inversify';
import { Logger } from '../../ports/logger';
import type { ProviderGrant, ProviderRequest, RegistryProvider } from '../../ports/registry-provider';
import { loginToEcr } from './ecr/aws-ecr-login';
import { ecrGrant } from './ecr/ecr-authorization';
import { ecrRegionField, ecrSettings } from './ecr/ecr-settings';

/**
 * `aws_region` (as in the Go resource): log in to Amazon ECR with the request's keys or the
 * worker's AWS credentials, through any chain of roles, and work on the ECR registry the token
 * names (or `aws_account_id`'s). The token lasts 12 hours, far longer than a step, so there is
 * nothing to renew: a refusal with it is final.
 */
@injectable()
export class EcrProvider implements RegistryProvider {
  readonly name = 'ECR';
  readonly kind = 'cloud';

  constructor(@inject(Logger) private readonly logger: Logger) {}

  switchedOnBy(request: ProviderRequest): readonly string[] {
    const field = ecrRegionField(request);
    return field ? [field] : [];
  }

  async resolve(request: ProviderRequest): Promise<ProviderGrant> {
    const settings = ecrSettings(request);
    if (settings.registryIdGiven) {
      this.logger.warn(
        'aws_ecr_registry_id is no longer needed (a token serves every registry the role may use); it is ignored',
      );
    }
    return ecrGrant(settings, await loginToEcr(settings, this.logger));
  }
}
