export const AuthPort = Symbol('AuthPort');

/** Credentials for one registry host. */
export type Credentials =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  /** A registry access token used directly as `Authorization: Bearer` (ACR, some OAuth flows). */
  | { readonly kind: 'bearer'; readonly token: string };

/**
 * What the registry client asks for credentials, per registry host. Implemented by the provider
 * chain (see RegistryProvider); challenges, tokens and retries stay in the registry transport.
 */
export interface AuthPort {
  /** `undefined` means anonymous. `registry` is `host[:port]` as in RepositoryRef. */
  credentialsFor(registry: string): Promise<Credentials | undefined>;
  /**
   * The registry refused what `credentialsFor` gave: fresh credentials when the provider can
   * renew them (short-lived tokens), else `undefined`. Asked at most once per registry and step.
   */
  renew?(registry: string): Promise<Credentials | undefined>;
}
