import { ConfigurationError, InvalidRequestError } from '../../domain/errors';
import { isValidTag } from '../../domain/image-reference';
import { aliasTagsToBump, versionTag } from '../../domain/semver/alias-bump-policy';
import type { PutParams, Source } from '../request-types';

export interface PushTagInputs {
  readonly source: Pick<Source, 'tag' | 'variant'>;
  readonly params: Pick<PutParams, 'version' | 'bump_aliases' | 'additional_tags' | 'tag_prefix'>;
  /** Contents of the `additional_tags` file, when the params name one. */
  readonly additionalTagsText?: string;
  /** Tags already in the repository (undefined when it does not exist); asked only for bump_aliases. */
  readonly existingTags: () => Promise<readonly string[] | undefined>;
}

/**
 * The tags `out` pushes, in the Go resource's order: `source.tag`, the version tag, its bumped
 * aliases, then the additional tags (each with `tag_prefix`). The first one becomes the version
 * `out` reports. Duplicates are kept once, at their first position.
 */
export async function computePushTags(inputs: PushTagInputs): Promise<string[]> {
  const { source, params } = inputs;
  const tags: Array<{ tag: string; from: string }> = [];
  if (source.tag) tags.push({ tag: source.tag, from: 'source.tag' });
  if (params.version) {
    tags.push({ tag: versionTag(params.version, source.variant), from: 'params.version' });
    if (params.bump_aliases) {
      const aliases = aliasTagsToBump(params.version, source.variant, await inputs.existingTags());
      // The policy lists MAJOR.MINOR, MAJOR, bare; the Go resource reports bare, MAJOR, MAJOR.MINOR.
      for (const alias of [...aliases].reverse()) tags.push({ tag: alias, from: 'bump_aliases' });
    }
  }
  const additional = params.additional_tags
    ? (inputs.additionalTagsText ?? '').split(/\s+/).filter((w) => w !== '')
    : [];
  // As in Go, one error whether additional_tags is missing or its file lists no tag.
  if (params.tag_prefix && additional.length === 0) {
    throw new ConfigurationError(
      'params.tag_prefix is set but params.additional_tags gives no tags: the prefix applies only to additional tags',
    );
  }
  for (const word of additional) {
    tags.push({
      tag: `${params.tag_prefix ?? ''}${word}`,
      from: `params.additional_tags file ${params.additional_tags}`,
    });
  }
  if (tags.length === 0) {
    throw new InvalidRequestError(
      "no tag specified - need either 'version:' in params, 'tag:' in source or tags in params.additional_tags",
    );
  }
  for (const { tag, from } of tags) {
    if (!isValidTag(tag))
      throw new InvalidRequestError(
        `invalid tag "${tag}" from ${from}: tags are up to 128 of [A-Za-z0-9_.-], not starting with . or -`,
      );
  }
  return [...new Set(tags.map((t) => t.tag))];
}
