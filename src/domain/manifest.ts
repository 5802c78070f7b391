import { isIndexMediaType, MediaType } from './media-types';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** The parts of an image config (OCI image-spec "config") the resource reads. */
export interface ImageConfig {
  created?: string;
  architecture?: string;
  os?: string;
  variant?: string;
  config?: {
    Env?: string[] | null;
    User?: string;
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
  };
  rootfs?: { type: string; diff_ids: string[] };
}

export type Manifest = { kind: 'image'; manifest: ImageManifest } | { kind: 'index'; index: ImageIndex };

/**
 * Classify manifest JSON by its media type (header first, then the `mediaType` field, then
 * its shape: an index has `manifests`, an image has `config`).
 */
export function parseManifest(bytes: Uint8Array, headerMediaType?: string): Manifest {
  const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  const mediaType = headerMediaType ?? (typeof json.mediaType === 'string' ? json.mediaType : undefined);
  if ((mediaType && isIndexMediaType(mediaType)) || (!mediaType && Array.isArray(json.manifests))) {
    return { kind: 'index', index: json as unknown as ImageIndex };
  }
  if (json.config && Array.isArray(json.layers)) return { kind: 'image', manifest: json as unknown as ImageManifest };
  throw new Error(`unsupported manifest (media type ${mediaType ?? 'unknown'})`);
}

/** The media type to announce for manifest bytes that carry none in their JSON. */
export function manifestMediaType(bytes: Uint8Array): string {
  const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  if (typeof json.mediaType === 'string') return json.mediaType;
  return Array.isArray(json.manifests) ? MediaType.OciIndex : MediaType.OciManifest;
}
