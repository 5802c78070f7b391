import type { AwsConfig } from '../../../application/request-types';
import { ConfigurationError } from '../../../domain/errors';
import type { ProviderRequest } from '../../../ports/registry-provider';

/** Long-lived or session keys given in the request. */
export interface StaticAwsKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** What an ECR login needs, once `params` have overridden the source for the step. */
export interface EcrSettings {
  readonly region: string;
  /** The configured `source.repository`, which the rewritten name ends with. */
  readonly repository: string;
  /** Both key fields set; otherwise the SDK's default credential chain is asked. */
  readonly keys?: StaticAwsKeys;
  /** Assumed in order, each with the previous credentials. */
  readonly roleArns: readonly string[];
  readonly accountId?: string;
  /** Set but unused (cross-account access needs no registry id any more). */
  readonly registryIdGiven: boolean;
  /** Why the default chain is asked although keys were given (one of the two key fields is missing). */
  readonly incompleteKeys?: string;
}

/** The field that switches ECR on, `params.aws_region` before `source.aws_region`. */
export function ecrRegionField(request: ProviderRequest): string | undefined {
  if (request.params?.aws_region) return 'params.aws_region';
  return request.source.aws_region ? 'source.aws_region' : undefined;
}

/**
 * The step's AWS settings. `params` of in/out override the source field by field, except that
 * the keys (id, secret, session token) and the role fields (`aws_role_arn`, `aws_role_arns`) are
 * taken as a group from wherever the group's first field is set: a session token never pairs
 * with another place's key, and a step's role list replaces the source's.
 */
export function ecrSettings(request: ProviderRequest): EcrSettings {
  const { source } = request;
  const params: AwsConfig = request.params ?? {};
  const keysFrom = params.aws_access_key_id ? params : source;
  const keysWhere = keysFrom === source ? 'source' : 'params';
  const rolesFrom = params.aws_role_arn || params.aws_role_arns?.length ? params : source;
  const rolesWhere = rolesFrom === source ? 'source' : 'params';
  if (rolesFrom.aws_role_arn && rolesFrom.aws_role_arns?.length) {
    throw new ConfigurationError(
      `${rolesWhere}.aws_role_arn and ${rolesWhere}.aws_role_arns cannot be set together: use aws_role_arns for a chain of roles`,
    );
  }
  const region = params.aws_region || source.aws_region || '';
  const accessKeyId = keysFrom.aws_access_key_id;
  const secretAccessKey = keysFrom.aws_secret_access_key;
  const sessionToken = keysFrom.aws_session_token;
  const keys =
    accessKeyId && secretAccessKey
      ? { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }
      : undefined;
  const incompleteKeys =
    !keys && (accessKeyId || secretAccessKey)
      ? `${keysWhere}.${accessKeyId ? 'aws_access_key_id' : 'aws_secret_access_key'} is set without ${keysWhere}.${accessKeyId ? 'aws_secret_access_key' : 'aws_access_key_id'}`
      : undefined;
  const accountId = params.aws_account_id || source.aws_account_id;
  return {
    region,
    repository: source.repository,
    ...(keys ? { keys } : {}),
    roleArns: rolesFrom.aws_role_arn ? [rolesFrom.aws_role_arn] : (rolesFrom.aws_role_arns ?? []),
    ...(accountId ? { accountId } : {}),
    registryIdGiven: Boolean(params.aws_ecr_registry_id || source.aws_ecr_registry_id),
    ...(incompleteKeys ? { incompleteKeys } : {}),
  };
}
