import type { IncomingMessage } from 'node:http';
import { isDigest } from '../../domain/digest';
import type { RepositoryRef } from '../../domain/image-reference';
import { methodNotAllowed, OciError } from './oci-error';
import type { RegistryContents, RegistryExchange } from './registry-exchange';
import { reply, replyBlobCreated } from './registry-reply';
import type { RouteOf } from './registry-route';
import { type UploadSession, UploadSessions } from './upload-sessions';

const DEFAULT_MAX_BLOB_BYTES = 512 * 1024 * 1024;

/**
 * Blob upload sessions: POST opens one (or uploads monolithically with `?digest=`), PATCH adds
 * a chunk, PUT closes it against its digest, GET reports progress, DELETE cancels.
 */
export class UploadHandler {
  private readonly sessions = new UploadSessions();

  constructor(
    private readonly contents: RegistryContents,
    /** Largest blob accepted in one upload; blobs live in memory. */
    private readonly maxBlobBytes = DEFAULT_MAX_BLOB_BYTES,
  ) {}

  get openCount(): number {
    return this.sessions.openCount;
  }

  async handle(route: RouteOf<'uploads'> | RouteOf<'upload'>, x: RegistryExchange): Promise<void> {
    if (route.kind === 'uploads') {
      if (x.method !== 'POST') throw methodNotAllowed(x);
      return this.start(route.name, x);
    }
    if (x.method === 'PATCH') return this.patch(route.name, route.id, x);
    if (x.method === 'PUT') return this.finish(route.name, route.id, x);
    if (x.method === 'GET') return this.status(route.name, route.id, x);
    if (x.method === 'DELETE') return this.cancel(route.name, route.id, x);
    throw methodNotAllowed(x);
  }

  private async start(name: string, x: RegistryExchange): Promise<void> {
    const repo = this.contents.repository(name);
    const digest = x.url.searchParams.get('digest');
    const session = this.sessions.open(repo);
    if (digest !== null) {
      await this.receive(session, x.req);
      return this.complete(name, session, digest, x);
    }
    x.req.resume();
    this.accepted(x, name, session);
  }

  private async patch(name: string, id: string, x: RegistryExchange): Promise<void> {
    const session = this.session(id, name);
    const contentRange = x.req.headers['content-range'];
    if (contentRange !== undefined) {
      const m = /^(?:bytes )?(\d+)-(\d+)$/.exec(contentRange.trim());
      if (!m || Number(m[1]) !== session.size) {
        throw new OciError(
          'RANGE_INVALID',
          `chunk range ${contentRange} does not continue the ${session.size} bytes received`,
        );
      }
    }
    await this.receive(session, x.req);
    this.accepted(x, name, session);
  }

  private async finish(name: string, id: string, x: RegistryExchange): Promise<void> {
    const session = this.session(id, name);
    const digest = x.url.searchParams.get('digest');
    if (digest === null) throw new OciError('DIGEST_INVALID', 'closing an upload needs ?digest=');
    await this.receive(session, x.req);
    this.complete(name, session, digest, x);
  }

  private status(name: string, id: string, x: RegistryExchange): void {
    const session = this.session(id, name);
    reply(x.res, 204, {
      Location: `/v2/${name}/blobs/uploads/${id}`,
      Range: `0-${Math.max(0, session.size - 1)}`,
      'Docker-Upload-UUID': id,
    });
  }

  private cancel(name: string, id: string, x: RegistryExchange): void {
    this.session(id, name);
    this.sessions.close(id);
    reply(x.res, 204, {});
  }

  private session(id: string, name: string): UploadSession {
    const repo: RepositoryRef = this.contents.repository(name);
    const session = this.sessions.get(id, repo);
    if (!session) throw new OciError('BLOB_UPLOAD_UNKNOWN', `upload ${id} is unknown in ${repo.path}`);
    return session;
  }

  /** Streams the request body into the session, chunk by chunk, refusing more than the limit. */
  private async receive(session: UploadSession, req: IncomingMessage): Promise<void> {
    for await (const chunk of req) {
      session.append(chunk as Buffer);
      if (session.size > this.maxBlobBytes) {
        this.sessions.close(session.id);
        throw new OciError(
          'SIZE_INVALID',
          `blob upload exceeds the embedded registry's limit of ${this.maxBlobBytes} bytes`,
        );
      }
    }
  }

  /** Closes the session either way; stores the blob only when it has the digest announced. */
  private complete(name: string, session: UploadSession, digest: string, x: RegistryExchange): void {
    // A DELETE may have cancelled the session while its body was still arriving.
    this.session(session.id, name);
    this.sessions.close(session.id);
    if (!isDigest(digest)) throw new OciError('DIGEST_INVALID', `"${digest}" is not a digest`);
    if (!digest.startsWith('sha256:'))
      throw new OciError('DIGEST_INVALID', `only sha256 digests are supported, got ${digest}`);
    const { digest: actual, bytes } = session.finish();
    if (actual !== digest) {
      throw new OciError('DIGEST_INVALID', `uploaded content has digest ${actual}, not ${digest}`, { digest });
    }
    this.contents.store.putBlob(session.repo, bytes);
    replyBlobCreated(x.res, name, digest);
  }

  private accepted(x: RegistryExchange, name: string, session: UploadSession): void {
    reply(x.res, 202, {
      Location: `/v2/${name}/blobs/uploads/${session.id}`,
      Range: `0-${Math.max(0, session.size - 1)}`,
      'Docker-Upload-UUID': session.id,
      'Content-Length': 0,
    });
  }
}
