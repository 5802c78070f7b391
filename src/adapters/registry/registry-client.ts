import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { inject, injectable } from 'inversify';
import { digestAlgorithm, isDigest } from '../../domain/digest';
import { DigestMismatchError } from '../../domain/errors';
import { formatRepository, type RepositoryRef } from '../../domain/image-reference';
import { manifestMediaType } from '../../domain/manifest';
import { MANIFEST_MEDIA_TYPES } from '../../domain/media-types';
import type { BlobRef, ManifestContent, ManifestHead, PushBlobOptions, RegistryPort } from '../../ports/registry-port';
import type { ReferrersPort } from '../../ports/referrers-port';
import { NetworkError, NotFoundError, RegistryError, redactUrl, temporaryReason } from '../../ports/registry-errors';
import { BlobUploader } from './blob-upload';
import { type HttpResponse } from './http-transport';
import { discard, readBody } from './http-body';
import { nextLink } from './link-header';
import { RegistryClientOptions, resolveRegistryClientOptions } from './registry-client-options';
import { RegistryCalls, type RegistryCall } from './registry-request';
import { registryTransportStack, type RegistryTransportStack } from './registry-transport-stack';
import { VerifyingBlobStream, type BlobBody } from './verifying-blob-stream';

/** Manifests above this are refused (the distribution spec lets registries stop at 4 MiB). */
export const MANIFEST_LIMIT = 4 * 1024 * 1024;
/** getBlobBytes is for configs; anything bigger belongs in a stream. */
const BLOB_BYTES_LIMIT = 64 * 1024 * 1024;
/** One page of a tag list; an unpaginated 200k-tag list of long names still fits. */
export const TAGS_PAGE_LIMIT = 16 * 1024 * 1024;

const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/**
 * RegistryPort over the OCI Distribution API: the operations (tags, manifests, blobs, referrers),
 * each written as plain requests to the transport stack (registry-transport-stack.ts), which owns
 * schemes, auth, redirects, rate limits, retries and error facts.
 */
@injectable()
export class DistributionRegistry implements RegistryPort, ReferrersPort {
  private readonly stack: RegistryTransportStack;
  private readonly calls: RegistryCalls;
  private readonly uploader: BlobUploader;
  private readonly settings;

  constructor(@inject(RegistryClientOptions) options: RegistryClientOptions) {
    this.settings = resolveRegistryClientOptions(options);
    this.stack = registryTransportStack(this.settings);
    this.calls = new RegistryCalls(this.stack.registry, this.settings.pushScope);
    this.uploader = new BlobUploader(this.calls, this.stack.retry, this.settings.logger, this.settings);
  }

  /** Concurrency slots held right now (open blob streams included); for tests and diagnostics. */
  get slotsInUse(): number {
    return this.stack.slotsInUse();
  }

  /** Drop idle keep-alive connections so the process can exit promptly. */
  close(): void {
    this.stack.close();
  }

  async listTags(repo: RepositoryRef): Promise<string[] | undefined> {
    const what = `listing tags of ${formatRepository(repo)}`;
    const tags: string[] = [];
    let target: string | URL = `tags/list?n=${this.settings.tagPageSize}`;
    for (let page = 1; ; page++) {
      const call: RegistryCall = { repo, what, method: 'GET', target, headers: { Accept: 'application/json' } };
      const { response, body } = await this.fetchBuffered(call, TAGS_PAGE_LIMIT, [200, 404]);
      const where = { method: 'GET', url: redactUrl(response.url), status: response.status };
      if (response.status === 404) {
        if (page === 1) return undefined;
        throw new NotFoundError(`${what} failed: page ${page} vanished (HTTP 404)`, where);
      }
      let json: { tags?: unknown };
      try {
        json = JSON.parse(body.toString('utf8')) as typeof json;
      } catch {
        throw new RegistryError(`${what} failed: the registry did not answer JSON`, where);
      }
      // One by one: spreading a 200k-entry page into push() overflows the call stack.
      if (Array.isArray(json.tags))
        for (const tag of json.tags as unknown[]) if (typeof tag === 'string') tags.push(tag);
      const next = nextLink(response.headers.link, response.url);
      if (!next) return tags;
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        throw new RegistryError(
          `${what} failed: the next page's Link points to unsupported URL scheme ${next.protocol}`,
          where,
        );
      }
      if (page > 10_000) throw new RegistryError(`${what} failed: more than 10000 pages of tags`, where);
      target = next;
    }
  }

  /**
   * HEAD, and a GET whenever the HEAD fails for any reason but 404 (Go's headOrGet): registries and
   * proxies that answer HEAD with 405, 403 or 500 still serve GET. One HEAD try only, since the
   * GET has the retries; a failure to reach the registry at all is not worth a second try as GET.
   */
  async headManifest(repo: RepositoryRef, reference: string): Promise<ManifestHead | undefined> {
    const call: RegistryCall = {
      repo,
      what: `checking manifest ${reference} of ${formatRepository(repo)}`,
      method: 'HEAD',
      target: `manifests/${reference}`,
      headers: { Accept: MANIFEST_MEDIA_TYPES.join(', ') },
    };
    let response: HttpResponse;
    try {
      response = await this.calls.send({ ...call, once: true });
    } catch (error) {
      // A registry we cannot reach at all is not worth a second try as GET; a dropped HEAD is.
      if (error instanceof NetworkError && !error.temporary) throw error;
      const reason =
        error instanceof RegistryError && error.temporary ? temporaryReason(error) : (error as Error).message;
      return this.headByGet(repo, reference, `HEAD failed (${reason})`);
    }
    discard(response);
    if (response.status === 404) return undefined;
    if (response.status !== 200) return this.headByGet(repo, reference, `HEAD answered HTTP ${response.status}`);
    const digest = response.headers['docker-content-digest'];
    const mediaType = manifestType(response.headers['content-type']);
    const size = Number(response.headers['content-length']);
    if (digest && isDigest(digest) && mediaType && Number.isFinite(size)) return { digest, mediaType, size };
    // Some registries omit the digest on HEAD; the body is small, so hash it ourselves.
    return this.headByGet(repo, reference, 'HEAD did not name the digest');
  }

  private async headByGet(repo: RepositoryRef, reference: string, why: string): Promise<ManifestHead | undefined> {
    this.settings.logger.debug(`manifest ${reference} of ${formatRepository(repo)}: ${why}; using GET`);
    const content = await this.getManifest(repo, reference);
    return content && { digest: content.digest, mediaType: content.mediaType, size: content.size };
  }

  async getManifest(repo: RepositoryRef, reference: string): Promise<ManifestContent | undefined> {
    const call: RegistryCall = {
      repo,
      what: `fetching manifest ${reference} of ${formatRepository(repo)}`,
      method: 'GET',
      target: `manifests/${reference}`,
      headers: { Accept: MANIFEST_MEDIA_TYPES.join(', ') },
    };
    const { response, body } = await this.fetchBuffered(call, MANIFEST_LIMIT, [200, 404]);
    if (response.status === 404) return undefined;
    const expected = isDigest(reference) ? reference : response.headers['docker-content-digest'];
    const algorithm = expected && isDigest(expected) ? digestAlgorithm(expected) : 'sha256';
    const digest = `${algorithm}:${createHash(algorithm).update(body).digest('hex')}`;
    // A tag's header digest is checked too: a proxy or registry serving other bytes than it names is an error.
    if (expected && isDigest(expected) && expected !== digest)
      throw new DigestMismatchError(expected, digest, call.what);
    let mediaType = manifestType(response.headers['content-type']);
    if (!mediaType) {
      try {
        mediaType = manifestMediaType(body);
      } catch {
        throw new RegistryError(`${call.what} failed: the manifest is not JSON`, {
          method: 'GET',
          url: redactUrl(response.url),
          status: response.status,
        });
      }
    }
    return { digest, mediaType, size: body.length, bytes: body };
  }

  async getBlob(repo: RepositoryRef, blob: BlobRef): Promise<Readable> {
    const what = `blob ${blob.digest} of ${formatRepository(repo)}`;
    const first = await this.openBlob(repo, blob, 0);
    return new VerifyingBlobStream(first, {
      blob,
      what,
      logger: this.settings.logger,
      maxResumes: this.settings.retry.attempts - 1,
      reopen: (offset) => this.openBlob(repo, blob, offset),
    });
  }

  async getBlobBytes(repo: RepositoryRef, blob: BlobRef): Promise<Buffer> {
    if (blob.size > BLOB_BYTES_LIMIT) {
      throw new RegistryError(
        `blob ${blob.digest} of ${formatRepository(repo)} is ${blob.size} bytes, too big to read whole`,
      );
    }
    const stream = await this.getBlob(repo, blob);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      if (total > BLOB_BYTES_LIMIT) {
        stream.destroy();
        throw new RegistryError(`blob ${blob.digest} of ${formatRepository(repo)} exceeds ${BLOB_BYTES_LIMIT} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  hasBlob(repo: RepositoryRef, digest: string): Promise<boolean> {
    return this.blobExists(repo, digest, false);
  }

  /** HEAD on a blob; during a push it asks for the push scope so one token serves the whole upload. */
  private async blobExists(repo: RepositoryRef, digest: string, push: boolean): Promise<boolean> {
    const call: RegistryCall = {
      push,
      repo,
      what: `checking blob ${digest} in ${formatRepository(repo)}`,
      method: 'HEAD',
      target: `blobs/${digest}`,
    };
    const response = await this.calls.send(call);
    discard(response);
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw await this.calls.unexpected(call, response);
  }

  async pushBlob(repo: RepositoryRef, blob: BlobRef, options: PushBlobOptions): Promise<void> {
    if (await this.blobExists(repo, blob.digest, true)) {
      this.settings.logger.debug(`blob ${blob.digest} already in ${formatRepository(repo)}`);
      return;
    }
    await this.uploader.upload(repo, blob, options);
  }

  async putManifest(repo: RepositoryRef, reference: string, mediaType: string, bytes: Buffer): Promise<string> {
    const call: RegistryCall = {
      repo,
      what: `pushing manifest ${reference} to ${formatRepository(repo)}`,
      method: 'PUT',
      target: `manifests/${reference}`,
      headers: { 'Content-Type': mediaType },
      body: bytes,
      push: true,
    };
    const response = await this.calls.send(call);
    if (response.status !== 201 && response.status !== 200 && response.status !== 202)
      throw await this.calls.unexpected(call, response);
    discard(response);
    const reported = response.headers['docker-content-digest'];
    if (reported && isDigest(reported)) return reported;
    return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  }

  /** OCI 1.1 referrers API: 200 with an index means supported; distribution 2.8 answers 404. */
  async supportsReferrers(repo: RepositoryRef, digest: string): Promise<boolean> {
    const call: RegistryCall = {
      repo,
      what: `asking ${formatRepository(repo)} for the referrers of ${digest}`,
      method: 'GET',
      target: `referrers/${digest}`,
      headers: { Accept: 'application/vnd.oci.image.index.v1+json' },
    };
    const { response } = await this.fetchBuffered(call, 4 * 1024 * 1024, [200, 400, 404, 405, 501]);
    return response.status === 200 && (response.headers['content-type'] ?? '').includes('image.index');
  }

  /** One GET of the blob from `offset`, retried as a whole (including redirects to storage). */
  private async openBlob(repo: RepositoryRef, blob: BlobRef, offset: number): Promise<BlobBody> {
    const call: RegistryCall = {
      repo,
      what: `fetching blob ${blob.digest} of ${formatRepository(repo)}`,
      method: 'GET',
      target: `blobs/${blob.digest}`,
      headers: { Accept: '*/*', 'Accept-Encoding': 'identity', ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}) },
    };
    const response = await this.calls.send(call);
    if (response.status === 200) return { body: response.body, start: 0 };
    if (response.status === 206 && offset > 0) {
      const start = /^bytes (\d+)-/.exec(response.headers['content-range'] ?? '')?.[1];
      if (start !== undefined) return { body: response.body, start: Number(start) };
    }
    if (response.status === 404) {
      discard(response);
      throw new NotFoundError(`${call.what} failed: the registry does not have it (HTTP 404)`, {
        method: 'GET',
        url: redactUrl(response.url),
        status: 404,
      });
    }
    throw await this.calls.unexpected(call, response);
  }

  /** A GET whose body is read inside the retried attempt, so a body cut short is tried again. */
  private async fetchBuffered(
    call: RegistryCall,
    limit: number,
    statuses: readonly number[],
  ): Promise<{ response: HttpResponse; body: Buffer }> {
    const response = await this.calls.send({ ...call, buffer: { limit, when: isSuccess } });
    if (!statuses.includes(response.status)) throw await this.calls.unexpected(call, response);
    if (!isSuccess(response.status)) {
      discard(response);
      return { response, body: Buffer.alloc(0) };
    }
    return { response, body: await readBody(response, limit) };
  }
}

/** The response's media type when it names a manifest kind (parameters such as charset dropped). */
function manifestType(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim();
  return type && type !== 'application/json' && type !== 'text/plain' ? type : undefined;
}
