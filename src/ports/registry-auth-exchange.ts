export const RegistryAuthExchange = Symbol('RegistryAuthExchange');

/** One challenge of the registry's `WWW-Authenticate` header: lower-case scheme and parameter names. */
export interface AuthChallenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

export interface FormAnswer {
  readonly status: number;
  /** The body parsed as JSON; `undefined` when it is empty or not JSON. */
  readonly body: unknown;
}

/**
 * The unauthenticated requests a cloud provider makes to the registry itself before it has
 * credentials (ACR's `/v2/` challenge and `/oauth2/exchange`), with the same endpoint resolution,
 * TLS trust (`ca_certs`, `insecure`) and retries as every other registry request.
 */
export interface RegistryAuthExchange {
  /** What the registry's `/v2/` asks for; empty when it answers without a 401. */
  challenge(registry: string): Promise<readonly AuthChallenge[]>;
  /** POST an urlencoded form to `path` on the registry; a transient answer (429, 5xx) is retried first. */
  postForm(registry: string, path: string, form: Readonly<Record<string, string>>): Promise<FormAnswer>;
}

/**
 * How providers get the port: as a factory called while resolving, because the registry client
 * it runs on is configured from the provider chain that holds the providers.
 */
export type RegistryAuthExchangeFactory = () => RegistryAuthExchange;
