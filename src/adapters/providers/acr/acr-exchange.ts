import type { AuthChallenge, RegistryAuthExchange } from '../../../ports/registry-auth-exchange';
import { AuthenticationError } from '../../../ports/registry-errors';

/** The user ACR's token endpoint expects with a refresh token as the password. */
export const ACR_REFRESH_USER = '00000000-0000-0000-0000-000000000000';

export interface AcrTenant {
  readonly tenant: string;
  /** For the debug line. */
  readonly from: 'azure_tenant_id' | 'the /v2/ challenge' | 'the default';
}

/**
 * `azure_tenant_id` when set (no request: it may differ from AZURE_TENANT_ID in cross-tenant
 * setups, so the environment is not asked), else the `tenant` the registry's `/v2/` challenge
 * names (a parameter, or in the realm's query as ACR sends it), else `common`.
 */
export async function acrTenant(
  exchange: RegistryAuthExchange,
  registry: string,
  configured: string | undefined,
): Promise<AcrTenant> {
  if (configured) return { tenant: configured, from: 'azure_tenant_id' };
  const tenant = challengeTenant(await exchange.challenge(registry));
  return tenant ? { tenant, from: 'the /v2/ challenge' } : { tenant: 'common', from: 'the default' };
}

export function challengeTenant(challenges: readonly AuthChallenge[]): string | undefined {
  const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
  if (!bearer) return undefined;
  if (bearer.params.tenant) return bearer.params.tenant;
  const realm = bearer.params.realm;
  if (!realm) return undefined;
  try {
    return new URL(realm).searchParams.get('tenant') || undefined;
  } catch {
    return undefined;
  }
}

/** Why the exchange refused, from ACR's `{error, error_description}` or distribution's `{errors: [...]}`. */
function refusal(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const record = body as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof record.error === 'string') parts.push(record.error);
  if (typeof record.error_description === 'string') parts.push(record.error_description);
  const first: unknown = Array.isArray(record.errors) ? record.errors[0] : undefined;
  if (typeof first === 'object' && first !== null) {
    const error = first as Record<string, unknown>;
    for (const key of ['code', 'message'] as const)
      if (typeof error[key] === 'string') parts.push(error[key] as string);
  }
  const text = parts.join(': ').replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/**
 * POST `/oauth2/exchange` (grant_type=access_token): ACR trades an Entra ID token for a refresh
 * token, the password of ACR_REFRESH_USER in the registry's ordinary token flow.
 */
export async function exchangeForRefreshToken(
  exchange: RegistryAuthExchange,
  registry: string,
  tenant: string,
  accessToken: string,
  tenantHint: boolean,
): Promise<string> {
  const answer = await exchange.postForm(registry, '/oauth2/exchange', {
    grant_type: 'access_token',
    service: registry,
    tenant,
    access_token: accessToken,
  });
  const refreshToken =
    typeof answer.body === 'object' && answer.body !== null
      ? (answer.body as { refresh_token?: unknown }).refresh_token
      : undefined;
  if (answer.status === 200 && typeof refreshToken === 'string' && refreshToken !== '') return refreshToken;
  const why = refusal(answer.body).split(accessToken).join('***');
  const what =
    answer.status === 200
      ? 'answered without a refresh_token'
      : `refused the Entra ID token (HTTP ${answer.status}${why ? `: ${why}` : ''})`;
  const hint = tenantHint
    ? `; azure_tenant_id "${tenant}" must be the tenant of the registry's subscription (az account show --subscription <its subscription> --query tenantId), not the VM's or cluster's`
    : '';
  throw new AuthenticationError(`POST /oauth2/exchange on ${registry} ${what}${hint}`);
}
