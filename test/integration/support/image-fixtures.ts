/**
 * Object mother for images, independent of the product code (never import src/ here).
 * Everything is built in memory from simple specs; tests keep fixtures small.
 *
 *   layerFromFiles(entries: TarEntry[], { compression?: 'gzip' | 'zstd' | 'none' }) → Layer
 *   buildImage({ layers?, config?, platform?, mediaTypes?: 'oci' | 'docker', annotations? }) → BuiltImage
 *   buildIndex(images: BuiltImage[], { mediaType?: 'oci' | 'docker', annotations? }) → BuiltIndex
 *   randomImage(seed, { mediaTypes?, platform?, layers? }) → BuiltImage  (same seed ⇒ same digest)
 *   sha256Digest(bytes) → 'sha256:…'
 *
 * Pushing (re-exported from registry-push.ts): pushImage, pushIndex, pushBlob, deleteTag,
 * getManifest, RegistrySession — see that file.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { MediaTypes } from './media-types';
import { type TarEntry, writeTar } from './tar-writer';

export type { TarEntry, TarEntryType } from './tar-writer';
export { writeTar } from './tar-writer';
export {
  pushImage,
  pushIndex,
  pushBlob,
  deleteTag,
  getManifest,
  RegistrySession,
  type RegistryTarget,
  type ManifestResponse,
} from './registry-push';

export { MediaTypes, MANIFEST_ACCEPT } from './media-types';

export type Compression = 'gzip' | 'zstd' | 'none';

export interface Layer {
  bytes: Buffer;
  /** Digest of the (compressed) blob. */
  digest: string;
  /** Digest of the uncompressed tar (the config's rootfs.diff_ids entry). */
  diffId: string;
  /** OCI layer media type; buildImage maps it to the docker one for docker images. */
  mediaType: string;
  size: number;
  compression: Compression;
  /** The uncompressed tar, handy for asserting on extraction. */
  tar: Buffer;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ImageConfigSpec {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  User?: string;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  /** RFC 3339 timestamp; default 2020-01-01T00:00:00Z so digests are stable. */
  created?: string;
}

export interface BuiltImage {
  kind: 'image';
  manifestBytes: Buffer;
  digest: string;
  mediaType: string;
  configBytes: Buffer;
  configDigest: string;
  configMediaType: string;
  layers: Layer[];
  platform: Platform;
}

export interface BuiltIndex {
  kind: 'index';
  manifestBytes: Buffer;
  digest: string;
  mediaType: string;
  images: BuiltImage[];
}

export function sha256Digest(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function zstd(data: Buffer): Buffer {
  const result = spawnSync('zstd', ['-q', '-c', '-3'], { input: data, maxBuffer: 1 << 30 });
  if (result.error || result.status !== 0) {
    throw new Error(`zstd CLI failed: ${result.error?.message ?? result.stderr.toString('utf8')}`);
  }
  return result.stdout;
}

export function layerFromFiles(entries: TarEntry[], options: { compression?: Compression } = {}): Layer {
  const compression = options.compression ?? 'gzip';
  const tar = writeTar(entries);
  const bytes = compression === 'gzip' ? gzipSync(tar) : compression === 'zstd' ? zstd(tar) : tar;
  const mediaType =
    compression === 'gzip'
      ? MediaTypes.ociLayerGzip
      : compression === 'zstd'
        ? MediaTypes.ociLayerZstd
        : MediaTypes.ociLayerTar;
  return {
    bytes,
    digest: sha256Digest(bytes),
    diffId: sha256Digest(tar),
    mediaType,
    size: bytes.length,
    compression,
    tar,
  };
}

function dockerLayerType(layer: Layer): string {
  if (layer.compression === 'gzip') return MediaTypes.dockerLayerGzip;
  if (layer.compression === 'none') return MediaTypes.dockerLayerTar;
  return layer.mediaType; // docker has no zstd type of its own
}

export function buildImage(spec: {
  layers?: Layer[];
  config?: ImageConfigSpec;
  platform?: Platform;
  mediaTypes?: 'oci' | 'docker';
  annotations?: Record<string, string>;
}): BuiltImage {
  const layers = spec.layers ?? [];
  const platform = spec.platform ?? { os: 'linux', architecture: 'amd64' };
  const docker = spec.mediaTypes === 'docker';
  const { created = '2020-01-01T00:00:00Z', ...runConfig } = spec.config ?? {};
  const configJson = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant !== undefined ? { variant: platform.variant } : {}),
    created,
    config: runConfig,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map(() => ({ created, created_by: 'registry-image test fixture' })),
  };
  const configBytes = Buffer.from(JSON.stringify(configJson));
  const configMediaType = docker ? MediaTypes.dockerConfig : MediaTypes.ociConfig;
  const mediaType = docker ? MediaTypes.dockerManifest : MediaTypes.ociManifest;
  const manifest = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: configMediaType, digest: sha256Digest(configBytes), size: configBytes.length },
    layers: layers.map((l) => ({
      mediaType: docker ? dockerLayerType(l) : l.mediaType,
      digest: l.digest,
      size: l.size,
    })),
    ...(spec.annotations ? { annotations: spec.annotations } : {}),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return {
    kind: 'image',
    manifestBytes,
    digest: sha256Digest(manifestBytes),
    mediaType,
    configBytes,
    configDigest: sha256Digest(configBytes),
    configMediaType,
    layers,
    platform,
  };
}

export function buildIndex(
  images: BuiltImage[],
  options: { mediaType?: 'oci' | 'docker'; annotations?: Record<string, string> } = {},
): BuiltIndex {
  const mediaType = options.mediaType === 'docker' ? MediaTypes.dockerManifestList : MediaTypes.ociIndex;
  const index = {
    schemaVersion: 2,
    mediaType,
    manifests: images.map((img) => ({
      mediaType: img.mediaType,
      digest: img.digest,
      size: img.manifestBytes.length,
      platform: img.platform,
    })),
    ...(options.annotations ? { annotations: options.annotations } : {}),
  };
  const manifestBytes = Buffer.from(JSON.stringify(index));
  return { kind: 'index', manifestBytes, digest: sha256Digest(manifestBytes), mediaType, images };
}

/** A small one-layer image whose content (and so digest) is derived from the seed. */
export function randomImage(
  seed: string | number,
  options: { mediaTypes?: 'oci' | 'docker'; platform?: Platform; layers?: number; compression?: Compression } = {},
): BuiltImage {
  const layers: Layer[] = [];
  for (let i = 0; i < (options.layers ?? 1); i++) {
    const content = createHash('sha256')
      .update(`${String(seed)}/${i}`)
      .digest('hex');
    layers.push(
      layerFromFiles(
        [
          { path: 'seed/', type: 'dir' },
          { path: `seed/layer-${i}.txt`, content: `${String(seed)}\n${content}\n` },
        ],
        { compression: options.compression ?? 'gzip' },
      ),
    );
  }
  return buildImage({
    layers,
    config: { Env: [`SEED=${String(seed)}`], Cmd: ['/bin/true'] },
    platform: options.platform,
    mediaTypes: options.mediaTypes ?? 'oci',
  });
}
