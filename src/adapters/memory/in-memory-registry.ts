import { Readable } from 'node:stream';
import { injectable } from 'inversify';
import { DigestMismatchError } from '../../domain/errors';
import { NotFoundError } from '../../ports/registry-errors';
import { formatRepository, type RepositoryRef } from '../../domain/image-reference';
import type { BlobRef, ManifestContent, ManifestHead, PushBlobOptions, RegistryPort } from '../../ports/registry-port';
import { InMemoryRegistryStore, sha256Digest } from './in-memory-registry-store';

/** Every call the fake received, for tests that assert on traffic (e.g. "no blob re-uploaded"). */
export interface RegistryCall {
  readonly method: keyof RegistryPort;
  readonly repository: string;
  readonly reference?: string;
}

/**
 * RegistryPort over an in-memory store: the fake for unit tests (and, through the embedded
 * HTTP server, the demo registry). Behaves like a registry: unknown things are `undefined`,
 * blobs are verified against their digests.
 */
@injectable()
export class InMemoryRegistry implements RegistryPort {
  readonly calls: RegistryCall[] = [];

  constructor(readonly store: InMemoryRegistryStore = new InMemoryRegistryStore()) {}

  private record(method: keyof RegistryPort, repo: RepositoryRef, reference?: string): void {
    this.calls.push({ method, repository: formatRepository(repo), ...(reference !== undefined ? { reference } : {}) });
  }

  async listTags(repo: RepositoryRef): Promise<string[] | undefined> {
    this.record('listTags', repo);
    return this.store.tags(repo);
  }

  async headManifest(repo: RepositoryRef, reference: string): Promise<ManifestHead | undefined> {
    this.record('headManifest', repo, reference);
    const m = this.store.manifest(repo, reference);
    return m && { digest: m.digest, mediaType: m.mediaType, size: m.bytes.length };
  }

  async getManifest(repo: RepositoryRef, reference: string): Promise<ManifestContent | undefined> {
    this.record('getManifest', repo, reference);
    const m = this.store.manifest(repo, reference);
    return m && { digest: m.digest, mediaType: m.mediaType, size: m.bytes.length, bytes: Buffer.from(m.bytes) };
  }

  async getBlob(repo: RepositoryRef, blob: BlobRef): Promise<Readable> {
    return Readable.from([await this.getBlobBytes(repo, blob)]);
  }

  async getBlobBytes(repo: RepositoryRef, blob: BlobRef): Promise<Buffer> {
    this.record('getBlobBytes', repo, blob.digest);
    const bytes = this.store.blob(repo, blob.digest);
    if (!bytes) throw new NotFoundError(`blob ${blob.digest} not found in ${formatRepository(repo)}`);
    const actual = sha256Digest(bytes);
    if (actual !== blob.digest) throw new DigestMismatchError(blob.digest, actual, `blob of ${formatRepository(repo)}`);
    return bytes;
  }

  async hasBlob(repo: RepositoryRef, digest: string): Promise<boolean> {
    this.record('hasBlob', repo, digest);
    return this.store.hasBlob(repo, digest);
  }

  async pushBlob(repo: RepositoryRef, blob: BlobRef, options: PushBlobOptions): Promise<void> {
    if (this.store.hasBlob(repo, blob.digest)) return;
    if (
      options.mountFrom &&
      this.store.mountBlob(repo, blob.digest, { registry: repo.registry, path: options.mountFrom })
    ) {
      this.record('pushBlob', repo, `mount:${blob.digest}`);
      return;
    }
    this.record('pushBlob', repo, blob.digest);
    const chunks: Buffer[] = [];
    for await (const chunk of options.open()) chunks.push(Buffer.from(chunk as Uint8Array));
    const bytes = Buffer.concat(chunks);
    const actual = sha256Digest(bytes);
    if (actual !== blob.digest)
      throw new DigestMismatchError(blob.digest, actual, `upload to ${formatRepository(repo)}`);
    this.store.putBlob(repo, bytes);
  }

  async putManifest(repo: RepositoryRef, reference: string, mediaType: string, bytes: Buffer): Promise<string> {
    this.record('putManifest', repo, reference);
    return this.store.putManifest(repo, reference, mediaType, bytes);
  }
}
