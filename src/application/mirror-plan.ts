import type { Source } from './request-types';
import { isDockerHub, parseRepository } from '../domain/image-reference';
import { InvalidRequestError } from '../domain/errors';
import type { StepTarget } from '../ports/registry-provider';

/**
 * The target as configured, before providers run: the origin, and the mirror first when the
 * repository is on Docker Hub. `registry_mirror` applies only to Docker Hub repositories (as the
 * docker CLI and the Go resource do), so it can be configured as a global default.
 */
export function configuredTarget(source: Source): StepTarget {
  const origin = parseRepository(source.repository);
  const name = source.repository;
  const host = source.registry_mirror?.host;
  if (!host || !isDockerHub(origin)) return { name, origin };
  const mirrorHost = host.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (mirrorHost === '' || mirrorHost.includes('/')) {
    throw new InvalidRequestError(`source.registry_mirror.host "${host}" must be a registry host[:port]`);
  }
  return { name, origin, mirror: { registry: mirrorHost, path: origin.path } };
}
