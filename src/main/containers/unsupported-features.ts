import { NotImplementedError } from '../../domain/errors';
import type { AwsConfig, Source } from '../../application/request-types';

const AWS_FIELDS: (keyof AwsConfig)[] = [
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'aws_region',
  'aws_role_arn',
  'aws_role_arns',
  'aws_ecr_registry_id',
  'aws_account_id',
];

/**
 * Go resource fields we parse (so pipelines validate) but do not implement yet: fail clearly
 * instead of silently ignoring them.
 */
export function rejectUnsupportedFeatures(source: Source, params?: AwsConfig, _step?: 'check' | 'in' | 'out'): void {
  for (const [where, config] of [
    ['source', source],
    ['params', params],
  ] as const) {
    const field = AWS_FIELDS.find((f) => config?.[f] !== undefined);
    if (field) throw new NotImplementedError(`${where}.${field}: ECR authentication is not supported yet`);
  }
  // The other azure_* fields only tune azure_acr, and Go ignores them without it.
  if (source.azure_acr === true) {
    throw new NotImplementedError('source.azure_acr: Azure Container Registry authentication is not supported yet');
  }
}
