import { InvalidRequestError } from '../../domain/errors';
import { NotFoundError } from '../../ports/registry-errors';
import { formatRepository, type RepositoryRef } from '../../domain/image-reference';
import type { Descriptor, ImageIndex } from '../../domain/manifest';
import { describePlatforms, formatPlatform, selectPlatform, type WantedPlatform } from '../platform-selection';

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** One `os/arch[/variant]` string of `params.platforms`, e.g. `linux/arm64/v8`. */
export function parsePlatform(text: string): WantedPlatform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || !parts.every((p) => SEGMENT.test(p))) {
    throw new InvalidRequestError(`params.platforms: "${text}" is not os/architecture[/variant] (e.g. linux/arm64/v8)`);
  }
  const [os = '', architecture = '', variant] = parts;
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

/** `params.platforms` parsed; an empty list is refused rather than read as "every platform". */
export function parsePlatformList(texts: readonly string[]): WantedPlatform[] {
  if (texts.length === 0) throw new InvalidRequestError('params.platforms is empty: list at least one os/architecture');
  return texts.map(parsePlatform);
}

/**
 * The index entries for the wanted platforms, in the index's order, each entry once. Every
 * platform must match (by the rules of `selectPlatform`); the error names all that do not.
 */
export function selectPlatforms(
  repo: RepositoryRef,
  indexDigest: string,
  index: ImageIndex,
  wanted: readonly WantedPlatform[],
): Descriptor[] {
  const chosen = new Set<Descriptor>();
  const missing: string[] = [];
  for (const platform of wanted) {
    const entry = selectPlatform(index, platform);
    if (entry) chosen.add(entry);
    else missing.push(formatPlatform(platform));
  }
  if (missing.length > 0) {
    throw new NotFoundError(
      `${formatRepository(repo)}@${indexDigest} has no image for platform${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (it has: ${describePlatforms(index)})`,
    );
  }
  return index.manifests.filter((entry) => chosen.has(entry));
}
