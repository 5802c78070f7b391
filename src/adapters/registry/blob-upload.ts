import type { Readable } from 'node:stream';
import { DigestMismatchError } from '../../domain/errors';
import { formatRepository, type RepositoryRef } from '../../domain/image-reference';
import type { Logger } from '../../ports/logger';
import { RegistryError, redactUrl } from '../../ports/registry-errors';
import type { BlobRef, PushBlobOptions } from '../../ports/registry-port';
import { ChunkReader } from './chunk-reader';
import { HashingCounter } from './hashing-counter';
import { type HttpResponse } from './http-transport';
import { discard } from './http-body';
import { answerFacts } from './registry-answer-error';
import { repositoryScope, type RegistryCall, type RegistryCalls } from './registry-request';
import type { RetryPolicy } from './retry-policy';

export interface BlobUploadSettings {
  readonly monolithicUploadMaxBytes: number;
  readonly uploadChunkBytes: number;
}

/**
 * Pushes one blob: cross-repository mount when offered, otherwise an upload session finished by
 * one streamed PUT (known size up to the threshold) or PATCH chunks with Content-Range. Sizes are
 * always counted. A chunked upload is hashed on the way out and only committed if it hashed to the
 * digest; a single PUT is not hashed here, because the registry must verify `?digest=` before it
 * stores anything (a DIGEST_INVALID answer becomes a DigestMismatchError), and hashing on our one
 * thread cost ~10% of a push's wall time on the bench. A streamed body cannot be sent twice, so
 * the transport gives these requests one try and any temporary failure restarts the whole upload
 * from a freshly opened source (go-containerregistry's write.go does the same).
 */
export class BlobUploader {
  // Every request here is sent once (`once`): the whole upload is the retry unit, so a temporary
  // failure anywhere reopens the source and starts over under one schedule.
  constructor(
    private readonly calls: RegistryCalls,
    private readonly retry: RetryPolicy,
    private readonly logger: Logger,
    private readonly settings: BlobUploadSettings,
  ) {}

  async upload(repo: RepositoryRef, blob: BlobRef, options: PushBlobOptions): Promise<void> {
    const what = `pushing blob ${blob.digest} to ${formatRepository(repo)}`;
    await this.retry.run(what, async () => {
      const started = await this.start(repo, blob, what, options.mountFrom);
      if (started === 'mounted') return;
      const whole = blob.size >= 0 && blob.size <= this.settings.monolithicUploadMaxBytes;
      const hasher = new HashingCounter(blob, what, !whole);
      const source = options.open();
      source.on('error', (error) => hasher.destroy(error));
      const content = source.pipe(hasher);
      try {
        if (whole) {
          await this.putWhole(repo, blob, what, started, content, hasher);
        } else {
          await this.putChunks(repo, blob, what, started, content, hasher);
        }
      } catch (error) {
        source.destroy();
        hasher.destroy();
        // The source's own complaint (short, too long) explains the failure better than the socket error it caused.
        throw hasher.problem ?? error;
      }
    });
  }

  /** Open an upload session (or finish at once by mounting); returns the session URL. */
  private async start(
    repo: RepositoryRef,
    blob: BlobRef,
    what: string,
    mountFrom: string | undefined,
  ): Promise<URL | 'mounted'> {
    const mount = mountFrom !== undefined && mountFrom !== repo.path;
    const query = mount ? `?${new URLSearchParams({ mount: blob.digest, from: mountFrom }).toString()}` : '';
    const call: RegistryCall = {
      repo,
      what,
      method: 'POST',
      target: `blobs/uploads/${query}`,
      push: true,
      ...(mount ? { extraScopes: [repositoryScope(mountFrom, false)] } : {}),
    };
    const response = await this.calls.send({ ...call, once: true });
    if (mount && response.status === 201) {
      discard(response);
      this.logger.debug(`${what}: mounted from ${mountFrom}`);
      return 'mounted';
    }
    if (response.status !== 202) throw await this.calls.unexpected(call, response);
    const location = uploadLocation(response, what);
    discard(response);
    return location;
  }

  private async putWhole(
    repo: RepositoryRef,
    blob: BlobRef,
    what: string,
    session: URL,
    content: Readable,
    hasher: HashingCounter,
  ): Promise<void> {
    const call: RegistryCall = {
      repo,
      what,
      method: 'PUT',
      target: withDigest(session, blob.digest),
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.size) },
      body: content,
      push: true,
    };
    await this.commit(call, blob, hasher);
  }

  private async putChunks(
    repo: RepositoryRef,
    blob: BlobRef,
    what: string,
    session: URL,
    content: Readable,
    hasher: HashingCounter,
  ): Promise<void> {
    let location = session;
    if (blob.size < 0) {
      // Unknown length: one streamed PATCH (chunked transfer encoding), which distribution accepts.
      location = await this.patch(repo, what, location, content, {});
    } else {
      const chunks = new ChunkReader(content);
      for (let offset = 0; offset < blob.size;) {
        const length = Math.min(this.settings.uploadChunkBytes, blob.size - offset);
        location = await this.patch(repo, what, location, chunks.take(length), {
          'Content-Length': String(length),
          'Content-Range': `${offset}-${offset + length - 1}`,
        });
        offset += length;
      }
      if (!(await chunks.atEnd())) throw hasher.tooLong();
    }
    await hasher.finished;
    if (hasher.digest !== blob.digest) throw new DigestMismatchError(blob.digest, hasher.digest, what);
    const call: RegistryCall = { repo, what, method: 'PUT', target: withDigest(location, blob.digest), push: true };
    await this.commit(call, blob, hasher);
  }

  private async patch(
    repo: RepositoryRef,
    what: string,
    location: URL,
    body: Readable,
    headers: Record<string, string>,
  ): Promise<URL> {
    const call: RegistryCall = {
      repo,
      what,
      method: 'PATCH',
      target: location,
      headers: { 'Content-Type': 'application/octet-stream', ...headers },
      body,
      push: true,
    };
    const response = await this.calls.send({ ...call, once: true });
    if (response.status !== 202) throw await this.calls.unexpected(call, response);
    const next = uploadLocation(response, what);
    discard(response);
    return next;
  }

  private async commit(call: RegistryCall, blob: BlobRef, hasher: HashingCounter): Promise<void> {
    const response = await this.calls.send({ ...call, once: true });
    if (response.status === 201 || response.status === 204) {
      discard(response);
      return;
    }
    if (response.status === 400) {
      const { details } = await answerFacts({ method: call.method, url: response.url }, response);
      const codes = (details.diagnostics ?? []).map((d) => d.code);
      if (codes.includes('DIGEST_INVALID') || codes.includes('SIZE_INVALID')) {
        if (hasher.problem) throw hasher.problem;
        throw new DigestMismatchError(
          blob.digest,
          hasher.digest || 'another digest (the registry refused it)',
          call.what,
        );
      }
      throw new RegistryError(`${call.what} failed: HTTP 400 ${codes.join(', ')}`, details);
    }
    throw await this.calls.unexpected(call, response);
  }
}

/** Upload session URLs may be relative (distribution) or absolute (other hosts, presigned). */
function uploadLocation(response: HttpResponse, what: string): URL {
  const location = response.headers.location;
  if (!location) {
    throw new RegistryError(`${what} failed: HTTP ${response.status} without a Location header`, {
      url: redactUrl(response.url),
      status: response.status,
    });
  }
  return new URL(location, response.url);
}

function withDigest(location: URL, digest: string): URL {
  const url = new URL(location.toString());
  url.searchParams.set('digest', digest);
  return url;
}
