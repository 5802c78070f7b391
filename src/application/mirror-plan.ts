import type { Source } from './request-types';
import { isDockerHub, parseRepository, type RepositoryRef } from '../domain/image-reference';
import { InvalidRequestError } from '../domain/errors';

/** Where to look for the repository: the mirror first (Docker Hub only), then the origin. */
export interface RepositoryPlan {
  readonly origin: RepositoryRef;
  readonly mirror?: RepositoryRef;
}

/**
 * `registry_mirror` applies only to Docker Hub repositories (as the docker CLI and the Go
 * resource do), so it can be configured as a global default; an explicit registry ignores it.
 */
export function repositoryPlan(source: Source): RepositoryPlan {
  const origin = parseRepository(source.repository);
  const host = source.registry_mirror?.host;
  if (!host || !isDockerHub(origin)) return { origin };
  const mirrorHost = host.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (mirrorHost === '' || mirrorHost.includes('/')) {
    throw new InvalidRequestError(`source.registry_mirror.host "${host}" must be a registry host[:port]`);
  }
  return { origin, mirror: { registry: mirrorHost, path: origin.path } };
}
