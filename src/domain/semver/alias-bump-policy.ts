import { InvalidRequestError } from '../errors';
import { parseVersion, type Version } from './version';

// Docker/OCI tag grammar.
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function parsePushedVersion(version: string): Version {
  const parsed = parseVersion(version);
  if (parsed === undefined) {
    throw new InvalidRequestError(`params.version is invalid: invalid semantic version: "${version}"`);
  }
  return parsed;
}

/**
 * The tag `out` pushes for `params.version`: the canonical version (`v` dropped, missing
 * segments filled in: `v1.2` → `1.2.0`, as the Go resource does), then `-<variant>` if any.
 */
export function versionTag(version: string, variant?: string): string {
  const tag = variant ? `${parsePushedVersion(version)}-${variant}` : `${parsePushedVersion(version)}`;
  if (!TAG.test(tag)) {
    throw new InvalidRequestError(`params.version "${version}" gives the tag "${tag}", which is not a valid image tag`);
  }
  return tag;
}

/**
 * With `bump_aliases`, the alias tags `out` also pushes for `version`: `MAJOR.MINOR`, `MAJOR`
 * and the bare tag (`latest`, or the variant itself), each with `-<variant>` when there is one,
 * in that order. An alias is left alone when the repository already holds a newer final release
 * it should point at: a newer patch of the same minor blocks all three, a newer minor of the
 * same major blocks `MAJOR` and the bare tag, any newer release blocks the bare tag. Only tags of
 * the same variant count; prereleases and other variants never block. A prerelease bumps
 * nothing. `existingTags` is undefined when the repository does not exist yet.
 */
export function aliasTagsToBump(
  version: string,
  variant: string | undefined,
  existingTags: readonly string[] | undefined,
): string[] {
  const pushed = parsePushedVersion(version);
  if (pushed.prerelease !== '') return [];

  let bumpMinor = true;
  let bumpMajor = true;
  let bumpBare = true;
  for (const tag of existingTags ?? []) {
    const existing = sameVariantRelease(tag, variant);
    if (existing === undefined) continue;
    if (existing.greaterThan(pushed)) bumpBare = false;
    if (existing.major === pushed.major && existing.minor > pushed.minor) bumpMajor = false;
    if (existing.major === pushed.major && existing.minor === pushed.minor && existing.patch > pushed.patch) {
      bumpMinor = false;
      bumpMajor = false;
    }
  }

  const suffix = variant ? `-${variant}` : '';
  const aliases: string[] = [];
  if (bumpMinor) aliases.push(`${pushed.major}.${pushed.minor}${suffix}`);
  if (bumpMajor) aliases.push(`${pushed.major}${suffix}`);
  if (bumpBare) aliases.push(variant ? variant : 'latest');
  return aliases;
}

function sameVariantRelease(tag: string, variant: string | undefined): Version | undefined {
  let text = tag;
  if (variant) {
    const suffix = `-${variant}`;
    if (!tag.endsWith(suffix)) return undefined;
    text = tag.slice(0, -suffix.length);
  }
  const version = parseVersion(text);
  return version !== undefined && version.prerelease === '' ? version : undefined;
}
