import { canonicalRegistry } from '../../src/domain/image-reference';
import type { AuthPort, Credentials } from '../../src/ports/auth-port';

export interface UsernamePassword {
  readonly username: string;
  readonly password: string;
}

/**
 * A fixed AuthPort for registry-client tests (production credentials come from the providers).
 * Fixed username/password per registry: `source.username/password` for the repository's registry,
 * `registry_mirror.username/password` for the mirror. Registries without an entry are anonymous.
 */
export class StaticCredentialsAuth implements AuthPort {
  private readonly byRegistry = new Map<string, Credentials>();

  constructor(entries: Readonly<Record<string, UsernamePassword>> | ReadonlyMap<string, UsernamePassword>) {
    const pairs = entries instanceof Map ? [...entries.entries()] : Object.entries(entries);
    for (const [registry, { username, password }] of pairs) {
      // An empty username means "not configured", as in the Go resource.
      if (username === '') continue;
      this.byRegistry.set(canonicalRegistry(registry), { kind: 'basic', username, password });
    }
  }

  credentialsFor(registry: string): Promise<Credentials | undefined> {
    return Promise.resolve(this.byRegistry.get(canonicalRegistry(registry)));
  }
}
