import type { Descriptor, ImageIndex } from '../domain/manifest';
import type { HostPlatform } from '../ports/host-platform';
import type { PlatformConfig } from './request-types';

export interface WantedPlatform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/** `params.platform` overrides `source.platform` field by field; the running host fills the rest. */
export function wantedPlatform(
  source: PlatformConfig | undefined,
  params: PlatformConfig | undefined,
  host: HostPlatform,
): WantedPlatform {
  const os = params?.os ?? source?.os ?? host.os;
  const architecture = params?.architecture ?? source?.architecture ?? host.architecture;
  const variant = params?.variant ?? source?.variant;
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: { os?: string; architecture?: string; variant?: string }): string {
  return [p.os ?? '?', p.architecture ?? '?', ...(p.variant ? [p.variant] : [])].join('/');
}

/** The first index entry for the platform; a variant only narrows the choice when one is asked for. */
export function selectPlatform(index: ImageIndex, wanted: WantedPlatform): Descriptor | undefined {
  return index.manifests.find(
    (d) =>
      d.platform !== undefined &&
      d.platform.os === wanted.os &&
      d.platform.architecture === wanted.architecture &&
      (wanted.variant === undefined || d.platform.variant === wanted.variant),
  );
}
