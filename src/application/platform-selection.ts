import type { Descriptor, ImageIndex, Platform } from '../domain/manifest';
import type { HostPlatform } from '../ports/host-platform';
import type { PlatformConfig } from './request-types';

export interface WantedPlatform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/**
 * Go's `Source.Platform(stepOverride)`: `params.platform`, when given, replaces `source.platform`
 * whole (no field-by-field merge); an empty `os` or `architecture` then falls back to the host.
 * The host's variant is never used: Go matches on os and architecture only, and defaulting to
 * the host variant would refuse indexes Go accepts.
 */
export function wantedPlatform(
  source: PlatformConfig | undefined,
  params: PlatformConfig | undefined,
  host: HostPlatform,
): WantedPlatform {
  const chosen = params ?? source ?? {};
  const os = chosen.os || host.os;
  const architecture = chosen.architecture || host.architecture;
  return chosen.variant ? { os, architecture, variant: chosen.variant } : { os, architecture };
}

export function formatPlatform(p: { os?: string; architecture?: string; variant?: string }): string {
  return [p.os ?? '?', p.architecture ?? '?', ...(p.variant ? [p.variant] : [])].join('/');
}

/** go-containerregistry assumes linux/amd64 for an index entry that names no platform. */
export const DEFAULT_ENTRY_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

export function entryPlatform(entry: Descriptor): Platform {
  return entry.platform ?? DEFAULT_ENTRY_PLATFORM;
}

/**
 * The first index entry for the platform, as go-containerregistry's `matchesPlatform`: os and
 * architecture must be equal; a variant narrows the choice only when one is asked for. (The Go
 * resource cannot ask for one, its `platform` has no `variant`; accepting it is our extension.)
 */
export function selectPlatform(index: ImageIndex, wanted: WantedPlatform): Descriptor | undefined {
  return index.manifests.find((d) => {
    const p = entryPlatform(d);
    return (
      p.os === wanted.os &&
      p.architecture === wanted.architecture &&
      (wanted.variant === undefined || p.variant === wanted.variant)
    );
  });
}

/** The platforms an index offers, for an error message. */
export function describePlatforms(index: ImageIndex): string {
  const names = index.manifests.map((d) => formatPlatform(entryPlatform(d)));
  return names.length > 0 ? names.join(', ') : 'none';
}
