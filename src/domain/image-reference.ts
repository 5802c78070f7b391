import { InvalidRequestError } from './errors';

/** The registry name Docker Hub repositories normalise to (as go-containerregistry does). */
export const DOCKER_HUB = 'index.docker.io';
/** The host that actually serves Docker Hub's distribution API. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

/**
 * A repository in a registry: `registry` is `host[:port]` (IPv6 literals in brackets), `path`
 * the repository name inside it (`library/alpine`). `registry` is DOCKER_HUB for Docker Hub.
 */
export interface RepositoryRef {
  readonly registry: string;
  readonly path: string;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:\[[0-9a-fA-F:.%]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?)(?::[0-9]+)?$/;

function looksLikeRegistry(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component.startsWith('[');
}

/** Parse a `source.repository` value the way Docker and the Go resource do. */
export function parseRepository(input: string): RepositoryRef {
  const value = input.trim();
  if (value === '') throw new InvalidRequestError('source.repository must not be empty');
  if (value.includes('@')) {
    throw new InvalidRequestError(`source.repository "${input}" must not contain a digest; use version.digest`);
  }
  const slash = value.indexOf('/');
  let registry = DOCKER_HUB;
  let path = value;
  if (slash > 0 && looksLikeRegistry(value.slice(0, slash))) {
    registry = value.slice(0, slash);
    path = value.slice(slash + 1);
  }
  if (!HOST.test(registry))
    throw new InvalidRequestError(`source.repository "${input}": invalid registry host "${registry}"`);
  const lastComponent = path.slice(path.lastIndexOf('/') + 1);
  if (lastComponent.includes(':')) {
    throw new InvalidRequestError(`source.repository "${input}" must not contain a tag; use source.tag`);
  }
  for (const component of path.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      throw new InvalidRequestError(
        `source.repository "${input}": invalid repository name component "${component}" (lowercase letters, digits and . _ - separators)`,
      );
    }
  }
  if (registry === 'docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  return { registry, path };
}

export function isDockerHub(ref: RepositoryRef): boolean {
  return ref.registry === DOCKER_HUB;
}

/** One name per registry: lower case, and Docker Hub's several names folded into DOCKER_HUB. */
export function canonicalRegistry(registry: string): string {
  const lower = registry.toLowerCase();
  return lower === 'docker.io' || lower === 'registry-1.docker.io' || lower === DOCKER_HUB ? DOCKER_HUB : lower;
}

/** `host/path`, the human-readable name used in logs and errors. */
export function formatRepository(ref: RepositoryRef): string {
  return `${ref.registry}/${ref.path}`;
}

/** Host of a `host[:port]` registry name, without brackets around IPv6 literals. */
export function registryHostname(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  const colon = registry.lastIndexOf(':');
  return colon === -1 ? registry : registry.slice(0, colon);
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|[^.]+\.localhost)$/;

/** Loopback registries may be spoken to over plain HTTP, as Docker and go-containerregistry allow. */
export function isLoopbackRegistry(registry: string): boolean {
  return LOOPBACK.test(registryHostname(registry));
}

/** A tag as the distribution spec allows it. */
export const TAG_PATTERN = /^[\w][\w.-]{0,127}$/;

export function isValidTag(tag: string): boolean {
  return TAG_PATTERN.test(tag);
}
