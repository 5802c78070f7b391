import type { AuthPort, Credentials } from '../../ports/auth-port';
import { AuthenticationError } from '../../ports/registry-errors';
import type { BearerTokenSource } from './bearer-token-source';
import type { RegistryEndpoint } from './registry-endpoints';
import { parseWwwAuthenticate, preferredChallenge } from './www-authenticate';

/**
 * Answers a registry's challenge with an `Authorization` value: Basic credentials, a bearer token
 * from the realm, or a registry token the AuthPort supplied. Credentials are asked for once per
 * registry and run, and renewed once when the registry or its token server refuses them.
 */
export class RegistryAuthenticator {
  private readonly credentialsCache = new Map<string, Promise<Credentials | undefined>>();

  constructor(
    private readonly auth: AuthPort,
    private readonly tokens: BearerTokenSource,
  ) {}

  credentials(registry: string): Promise<Credentials | undefined> {
    let found = this.credentialsCache.get(registry);
    if (!found) {
      found = this.auth.credentialsFor(registry);
      this.credentialsCache.set(registry, found);
      found.catch(() => this.credentialsCache.delete(registry));
    }
    return found;
  }

  /** `undefined` means "send nothing" (anonymous, or the registry did not challenge us). */
  async authorization(
    endpoint: RegistryEndpoint,
    repository: string,
    scopes: readonly string[],
    fresh = false,
  ): Promise<string | undefined> {
    const challenge = preferredChallenge(endpoint.challenges);
    const credentials = await this.credentials(endpoint.registry);
    if (!challenge) return undefined;
    if (credentials?.kind === 'bearer') return `Bearer ${credentials.token}`;
    if (challenge.scheme === 'basic') {
      return credentials
        ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
        : undefined;
    }
    const realm = challenge.params.realm;
    if (!realm) return undefined;
    const request = { endpoint, repository, realm, service: challenge.params.service, scopes, credentials };
    try {
      return `Bearer ${await this.tokens.token(request, fresh)}`;
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      const renewed = await this.renew(endpoint.registry);
      if (!renewed) throw error;
      return `Bearer ${await this.tokens.token({ ...request, credentials: renewed }, true)}`;
    }
  }

  /** Fresh credentials from the AuthPort after a refusal, adopted for the rest of the run. */
  private async renew(registry: string): Promise<Credentials | undefined> {
    const renewed = await this.auth.renew?.(registry);
    if (renewed) this.credentialsCache.set(registry, Promise.resolve(renewed));
    return renewed;
  }

  /**
   * After a 401: adopt the challenge it carried (a registry may only challenge on repository
   * endpoints, or ask for more scope) and return the header for the one retry, or `undefined`
   * when there is nothing new to try (same Basic credentials, or none at all).
   */
  async afterUnauthorized(
    endpoint: RegistryEndpoint,
    repository: string,
    scopes: readonly string[],
    wwwAuthenticate: string | undefined,
    previous: string | undefined,
  ): Promise<string | undefined> {
    const challenges = parseWwwAuthenticate(wwwAuthenticate);
    if (challenges.length > 0) endpoint.challenges = challenges;
    const challenge = preferredChallenge(endpoint.challenges);
    const asked =
      challenge?.scheme === 'bearer' ? (challenge.params.scope ?? '').split(' ').filter((s) => s !== '') : [];
    const merged = [...new Set([...scopes, ...asked])];
    const next = await this.authorization(endpoint, repository, merged, true);
    if (next === undefined) return undefined;
    // Only a freshly fetched token is worth a second try; the same static credentials would fail the same way.
    const fetchedToken =
      challenge?.scheme === 'bearer' && (await this.credentials(endpoint.registry))?.kind !== 'bearer';
    if (next !== previous || fetchedToken) return next;
    // The registry refused the credentials themselves: a provider with short-lived ones may renew them.
    if (!(await this.renew(endpoint.registry))) return undefined;
    const renewed = await this.authorization(endpoint, repository, merged, true);
    return renewed === previous ? undefined : renewed;
  }
}
