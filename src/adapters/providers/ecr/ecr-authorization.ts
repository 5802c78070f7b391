import { parseRepository } from '../../../domain/image-reference';
import type { ProviderGrant } from '../../../ports/registry-provider';
import type { EcrSettings } from './ecr-settings';
import { RegistryError } from '../../../ports/registry-errors';

/** What GetAuthorizationToken gave: the registry password and where the registry is. */
export interface EcrAuthorization {
  readonly password: string;
  /** `https://ACCOUNT.dkr.ecr.REGION.amazonaws.com` */
  readonly proxyEndpoint: string;
  readonly expiresAt?: Date;
}

/** ECR's registry user name, whatever the account. */
export const ECR_USERNAME = 'AWS';

/** The password in an ECR authorization token, base64 of `AWS:<password>`; `undefined` when malformed. */
export function decodeAuthorizationToken(token: string): string | undefined {
  const text = token.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const decoded = Buffer.from(text, 'base64').toString('utf8');
  const parts = decoded.split(':');
  if (parts.length !== 2 || parts[0] !== ECR_USERNAME) return undefined;
  const password = (parts[1] ?? '').trim();
  return password === '' ? undefined : password;
}

/** `host[:port]` of the registry a proxy endpoint names. */
export function proxyEndpointHost(proxyEndpoint: string): string {
  try {
    const url = new URL(proxyEndpoint.includes('://') ? proxyEndpoint : `https://${proxyEndpoint}`);
    if (url.host !== '') return url.host;
  } catch {
    // reported below
  }
  throw new RegistryError(`ECR returned an unusable proxyEndpoint "${proxyEndpoint}"`);
}

/**
 * The step's target and credentials once logged in, as the Go resource rewrites them: with
 * `aws_account_id`, `ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY`, else the proxy endpoint's
 * host and the repository. ECR repositories have no mirror.
 */
export function ecrGrant(settings: EcrSettings, authorization: EcrAuthorization): Required<ProviderGrant> {
  const host = settings.accountId
    ? `${settings.accountId}.dkr.ecr.${settings.region}.amazonaws.com`
    : proxyEndpointHost(authorization.proxyEndpoint);
  const name = `${host}/${settings.repository}`;
  const origin = parseRepository(name);
  const credentials = { kind: 'basic', username: ECR_USERNAME, password: authorization.password } as const;
  return {
    target: { name, origin },
    credentials: [{ registry: origin.registry, source: { current: () => Promise.resolve(credentials) } }],
  };
}
