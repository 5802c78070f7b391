import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RepositoryRef } from '../../domain/image-reference';
import type { InMemoryRegistryStore } from '../memory/in-memory-registry-store';

/** One request being answered: what every handler reads and writes. */
export interface RegistryExchange {
  readonly method: string;
  /** The request URL, resolved against a placeholder origin; only path and query matter. */
  readonly url: URL;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

export function toExchange(req: IncomingMessage, res: ServerResponse): RegistryExchange {
  return { method: req.method ?? 'GET', url: new URL(req.url ?? '/', 'http://registry.invalid'), req, res };
}

/** What the handlers share: the contents, and where a repository name lives in them. */
export interface RegistryContents {
  readonly store: InMemoryRegistryStore;
  repository(name: string): RepositoryRef;
}
