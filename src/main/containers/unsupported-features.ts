import { NotImplementedError } from '../../domain/errors';
import type { AwsConfig, Source } from '../../application/request-types';

/**
 * Go resource fields we parse (so pipelines validate) but do not implement yet: fail clearly
 * instead of silently ignoring them.
 */
export function rejectUnsupportedFeatures(source: Source, _params?: AwsConfig, _step?: 'check' | 'in' | 'out'): void {
  // The other azure_* fields only tune azure_acr, and Go ignores them without it.
  if (source.azure_acr === true) {
    throw new NotImplementedError('source.azure_acr: Azure Container Registry authentication is not supported yet');
  }
}
