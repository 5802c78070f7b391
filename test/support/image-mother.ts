import { InMemoryRegistryStore, sha256Digest } from '../../src/adapters/memory/in-memory-registry-store';
import type { RepositoryRef } from '../../src/domain/image-reference';
import { MediaType } from '../../src/domain/media-types';

/** Builds small images straight into an in-memory store (unit tests only). */
export class ImageMother {
  constructor(readonly store: InMemoryRegistryStore = new InMemoryRegistryStore()) {}

  /** Store a one-layer image whose content derives from `seed`; returns its manifest digest. */
  image(repo: RepositoryRef, tags: string[], seed: string, config: Record<string, unknown> = {}): string {
    const layer = Buffer.from(`layer ${seed}`);
    const layerDigest = this.store.putBlob(repo, layer);
    const configBytes = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        ...config,
        rootfs: { type: 'layers', diff_ids: [layerDigest] },
      }),
    );
    const configDigest = this.store.putBlob(repo, configBytes);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, digest: configDigest, size: configBytes.length },
        layers: [{ mediaType: MediaType.OciLayer, digest: layerDigest, size: layer.length }],
      }),
    );
    let digest = this.store.putManifest(repo, sha256Digest(manifest), MediaType.OciManifest, manifest);
    for (const tag of tags) digest = this.store.putManifest(repo, tag, MediaType.OciManifest, manifest);
    return digest;
  }

  /** Point more tags at an existing digest. */
  tag(repo: RepositoryRef, digest: string, ...tags: string[]): void {
    const m = this.store.manifest(repo, digest);
    if (!m) throw new Error(`no manifest ${digest}`);
    for (const tag of tags) this.store.putManifest(repo, tag, m.mediaType, m.bytes);
  }
}
