import type { ProviderGrant } from '../../ports/registry-provider';

/** A grant of one Basic pair for one host; none unless both parts are set (the Go resource's rule). */
export function fixedCredentials(registry: string, username?: string, password?: string): ProviderGrant {
  if (!username || !password) return { credentials: [] };
  const credentials = { kind: 'basic', username, password } as const;
  return { credentials: [{ registry, source: { current: () => Promise.resolve(credentials) } }] };
}
