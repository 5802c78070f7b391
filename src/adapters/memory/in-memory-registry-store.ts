import { createHash } from 'node:crypto';
import { formatRepository, type RepositoryRef } from '../../domain/image-reference';

export interface StoredManifest {
  readonly mediaType: string;
  readonly bytes: Buffer;
  readonly digest: string;
}

interface RepositoryState {
  readonly tags: Map<string, string>; // tag -> manifest digest
  readonly manifests: Map<string, StoredManifest>;
  readonly blobs: Set<string>;
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Registry contents held in memory: repositories with tags and manifests, and a blob pool shared
 * by every repository of the store (each repository records which blobs it links, as a real
 * registry does). Backs the unit-test fake and the embedded demo registry.
 */
export class InMemoryRegistryStore {
  private readonly repositories = new Map<string, RepositoryState>();
  private readonly blobData = new Map<string, Buffer>();

  private key(repo: RepositoryRef): string {
    return formatRepository(repo);
  }

  private repository(repo: RepositoryRef, create: boolean): RepositoryState | undefined {
    const key = this.key(repo);
    let state = this.repositories.get(key);
    if (!state && create) {
      state = { tags: new Map(), manifests: new Map(), blobs: new Set() };
      this.repositories.set(key, state);
    }
    return state;
  }

  hasRepository(repo: RepositoryRef): boolean {
    return this.repositories.has(this.key(repo));
  }

  tags(repo: RepositoryRef): string[] | undefined {
    const state = this.repository(repo, false);
    // The distribution registry lists tags in lexical order; so does the fake.
    return state ? [...state.tags.keys()].sort() : undefined;
  }

  /** A tag or digest reference. */
  manifest(repo: RepositoryRef, reference: string): StoredManifest | undefined {
    const state = this.repository(repo, false);
    if (!state) return undefined;
    const digest = reference.includes(':') ? reference : state.tags.get(reference);
    return digest ? state.manifests.get(digest) : undefined;
  }

  putManifest(repo: RepositoryRef, reference: string, mediaType: string, bytes: Buffer): string {
    const state = this.repository(repo, true) as RepositoryState;
    const digest = sha256Digest(bytes);
    state.manifests.set(digest, { mediaType, bytes: Buffer.from(bytes), digest });
    if (!reference.includes(':')) {
      state.tags.set(reference, digest);
    }
    return digest;
  }

  deleteTag(repo: RepositoryRef, tag: string): void {
    this.repository(repo, false)?.tags.delete(tag);
  }

  /** Remove a manifest and every tag pointing at it. */
  deleteManifest(repo: RepositoryRef, digest: string): void {
    const state = this.repository(repo, false);
    if (!state) return;
    state.manifests.delete(digest);
    for (const [tag, d] of state.tags) if (d === digest) state.tags.delete(tag);
  }

  hasBlob(repo: RepositoryRef, digest: string): boolean {
    return this.repository(repo, false)?.blobs.has(digest) ?? false;
  }

  blob(repo: RepositoryRef, digest: string): Buffer | undefined {
    return this.hasBlob(repo, digest) ? this.blobData.get(digest) : undefined;
  }

  /** Store bytes under their digest; returns the digest actually computed. */
  putBlob(repo: RepositoryRef, bytes: Buffer): string {
    const digest = sha256Digest(bytes);
    this.blobData.set(digest, bytes);
    (this.repository(repo, true) as RepositoryState).blobs.add(digest);
    return digest;
  }

  /** Link a blob another repository already holds; false when the source does not have it. */
  mountBlob(repo: RepositoryRef, digest: string, from: RepositoryRef): boolean {
    if (!this.hasBlob(from, digest)) return false;
    (this.repository(repo, true) as RepositoryState).blobs.add(digest);
    return true;
  }
}
