import { compileGoRegexp, type GoRegexp } from '../../domain/go-regexp';
import type { RepositoryRef } from '../../domain/image-reference';
import type { ImageConfig } from '../../domain/manifest';
import type { ManifestContent, RegistryPort } from '../../ports/registry-port';
import { imageForPlatform } from '../platform-image';
import type { WantedPlatform } from '../platform-selection';
import { mapLimit } from '../concurrency';
import type { Version } from '../request-types';

export function compileTagRegex(pattern: string): GoRegexp {
  return compileGoRegexp('source.tag_regex', pattern);
}

interface Options {
  readonly regex: GoRegexp;
  readonly createdAtSort: boolean;
  readonly concurrency: number;
  /** Platform whose config gives `created` when a tag points at an index. */
  readonly platform: WantedPlatform;
}

/**
 * `tag_regex` mode: every tag the regex matches (unanchored, as Go's MatchString), in registry
 * order, or oldest-first by the image config's `created` with `created_at_sort`.
 */
export async function checkTagRegex(registry: RegistryPort, repo: RepositoryRef, options: Options): Promise<Version[]> {
  const tags = await registry.listTags(repo);
  if (!tags) return [];
  const matching = tags.filter((tag) => options.regex.matches(tag));
  const resolved = await mapLimit(matching, options.concurrency, async (tag) => {
    if (!options.createdAtSort) {
      const head = await registry.headManifest(repo, tag);
      return head && { tag, digest: head.digest, created: 0 };
    }
    const manifest = await registry.getManifest(repo, tag);
    if (!manifest) return undefined;
    return {
      tag,
      digest: manifest.digest,
      created: await createdTime(registry, repo, manifest, options.platform),
    };
  });
  const found = resolved.filter((r): r is { tag: string; digest: string; created: number } => r !== undefined);
  if (options.createdAtSort) {
    // Stable sort: equal timestamps keep registry order.
    found.sort((a, b) => a.created - b.created);
  }
  return found.map(({ tag, digest }) => ({ tag, digest }));
}

/**
 * The image config's `created` of a tag, as Go's `remote.Image` with the source platform: an index
 * resolves to its platform image (through nested indexes); no such image fails the check, as in Go.
 */
async function createdTime(
  registry: RegistryPort,
  repo: RepositoryRef,
  manifest: ManifestContent,
  platform: WantedPlatform,
): Promise<number> {
  const image = await imageForPlatform(registry, repo, manifest, platform);
  const config = JSON.parse((await registry.getBlobBytes(repo, image.manifest.config)).toString('utf8')) as ImageConfig;
  const time = config.created ? Date.parse(config.created) : NaN;
  return Number.isNaN(time) ? 0 : time;
}
