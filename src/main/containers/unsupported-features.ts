import { NotImplementedError } from '../../domain/errors';
import type { AwsConfig, Source } from '../../application/request-types';

/**
 * Go resource fields we parse (so pipelines validate) but do not implement yet: fail clearly
 * instead of silently ignoring them.
 */
export function rejectUnsupportedFeatures(source: Source, _params?: AwsConfig, step?: 'check' | 'in' | 'out'): void {
  if (source.content_trust && step === 'out') {
    throw new NotImplementedError('source.content_trust: Notary signing is not supported yet');
  }
}
