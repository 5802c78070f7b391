export const AuthPort = Symbol('AuthPort');

/** Credentials for one registry host. */
export type Credentials =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  /** A registry access token used directly as `Authorization: Bearer` (ACR, some OAuth flows). */
  | { readonly kind: 'bearer'; readonly token: string };

/**
 * Supplies credentials per registry host. Providers (static username/password, ECR, Google, ACR,
 * mirror credentials) only ever supply credentials; challenges, tokens and retries stay in the
 * registry transport.
 */
export interface AuthPort {
  /** `undefined` means anonymous. `registry` is `host[:port]` as in RepositoryRef. */
  credentialsFor(registry: string): Promise<Credentials | undefined>;
}
