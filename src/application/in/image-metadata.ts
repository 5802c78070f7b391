import type { GoRegexp } from '../../domain/go-regexp';
import type { ImageConfig } from '../../domain/manifest';
import type { MetadataField, Version } from '../request-types';

/** `metadata.json` of the rootfs format, with the Go resource's field names (absent lists are null, as Go writes them). */
export interface RootfsMetadataFile {
  cmd: string[] | null;
  entrypoint: string[] | null;
  env: string[] | null;
  user: string;
}

export function rootfsMetadataFile(config: ImageConfig): RootfsMetadataFile {
  const c = config.config ?? {};
  return { cmd: c.Cmd ?? null, entrypoint: c.Entrypoint ?? null, env: c.Env ?? null, user: c.User ?? '' };
}

/** Sorted by key, as Go encodes a map. */
export function labelsOf(config: ImageConfig): Record<string, string> {
  const labels = config.config?.Labels ?? {};
  return Object.fromEntries(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k] ?? '']),
  );
}

/** Entries whose key matches, sorted by key (Go sorts map keys; so do we, for stable output). */
export function matchingFields(
  values: Record<string, string> | undefined,
  pattern: GoRegexp | undefined,
): MetadataField[] {
  if (!pattern || !values) return [];
  return Object.keys(values)
    .filter((k) => pattern.matches(k))
    .sort()
    .map((name) => ({ name, value: values[name] ?? '' }));
}

/** `repository`, `tag` (when the version has one), then label matches, then annotation matches. */
export function responseMetadata(
  repository: string,
  version: Version,
  labels: MetadataField[],
  annotations: MetadataField[],
): MetadataField[] {
  return [
    { name: 'repository', value: repository },
    ...(version.tag !== undefined && version.tag !== '' ? [{ name: 'tag', value: version.tag }] : []),
    ...labels,
    ...annotations,
  ];
}
