import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDigest } from '../../domain/digest';
import type { RepositoryRef } from '../../domain/image-reference';
import { isValidTag } from '../../domain/image-reference';
import { parseManifest } from '../../domain/manifest';
import { isIndexMediaType, MANIFEST_MEDIA_TYPES } from '../../domain/media-types';
import { InMemoryRegistryStore, sha256Digest } from '../memory/in-memory-registry-store';
import { parseByteRange } from './byte-range';
import { OciError } from './oci-error';
import { isValidRepositoryName, parseRegistryRoute, type RegistryRoute } from './registry-route';
import { nextPageLink, tagPage } from './tag-page';
import { UploadSessions } from './upload-sessions';

/** One answered request, for callers that show the traffic (the demo) or assert on it (tests). */
export interface RegistryRequestLog {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface EmbeddedRegistryOptions {
  /** Shared with an InMemoryRegistry when a test wants to seed or inspect contents directly. */
  readonly store?: InMemoryRegistryStore;
  /**
   * The registry name repositories are stored under. Defaults to the `host:port` the server
   * listens on, so `RepositoryRef`s parsed from `127.0.0.1:PORT/name` address the same entries.
   */
  readonly registryName?: string;
  readonly onRequest?: (entry: RegistryRequestLog) => void;
  /** Largest blob accepted in one upload; blobs live in memory. */
  readonly maxBlobBytes?: number;
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const DEFAULT_MAX_BLOB_BYTES = 512 * 1024 * 1024;

/**
 * An OCI distribution registry over the in-memory store, for the demo and for tests that need
 * a registry inside the process. Anonymous, plain HTTP, meant for loopback only.
 */
export class EmbeddedRegistryServer {
  readonly store: InMemoryRegistryStore;
  private readonly uploads = new UploadSessions();
  private readonly server: Server;
  private listeningHost: string | undefined;

  constructor(private readonly options: EmbeddedRegistryOptions = {}) {
    this.store = options.store ?? new InMemoryRegistryStore();
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    // Clients that keep connections alive must not hold stop() up.
    this.server.keepAliveTimeout = 1000;
  }

  /** Listens on `hostname:port` (port 0 picks a free one). */
  async start(port = 0, hostname = '127.0.0.1'): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, hostname, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.listeningHost = `${host}:${address.port}`;
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** `127.0.0.1:PORT`, the registry part of repository names served here. */
  get host(): string {
    if (!this.listeningHost) throw new Error('embedded registry is not listening yet');
    return this.listeningHost;
  }

  get url(): string {
    return `http://${this.host}`;
  }

  /** Where a repository of this registry lives in the store. */
  repository(name: string): RepositoryRef {
    return { registry: this.options.registryName ?? this.host, path: name };
  }

  get openUploads(): number {
    return this.uploads.openCount;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://registry.invalid');
    const method = req.method ?? 'GET';
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    try {
      const route = parseRegistryRoute(url.pathname);
      if (!route) throw new OciError('UNSUPPORTED', `no such endpoint: ${method} ${url.pathname}`);
      if (route.kind !== 'base' && !isValidRepositoryName(route.name)) {
        throw new OciError('NAME_INVALID', `invalid repository name "${route.name}"`);
      }
      await this.dispatch(route, method, url, req, res);
    } catch (error) {
      const oci =
        error instanceof OciError
          ? error
          : new OciError('UNSUPPORTED', `internal error: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) {
        const body = oci.body();
        res.writeHead(oci.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(method === 'HEAD' ? undefined : body);
      } else {
        res.destroy();
      }
      // Drain what the client still sends, so it reads our answer instead of a reset.
      req.resume();
    } finally {
      this.options.onRequest?.({ method, path: url.pathname + url.search, status: res.statusCode });
    }
  }

  private async dispatch(
    route: RegistryRoute,
    method: string,
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const notAllowed = (): never => {
      throw new OciError('UNSUPPORTED', `${method} is not supported on ${url.pathname}`);
    };
    switch (route.kind) {
      case 'base':
        if (method !== 'GET' && method !== 'HEAD') notAllowed();
        return this.send(res, 200, { 'Content-Type': 'application/json' }, method === 'HEAD' ? undefined : '{}');
      case 'tags':
        if (method !== 'GET') notAllowed();
        return this.listTags(route.name, url, res);
      case 'manifest':
        if (method === 'GET' || method === 'HEAD') return this.getManifest(route.name, route.reference, method, res);
        if (method === 'PUT') return this.putManifest(route.name, route.reference, req, res);
        if (method === 'DELETE') return this.deleteManifest(route.name, route.reference, res);
        return notAllowed();
      case 'blob':
        if (method === 'GET' || method === 'HEAD') return this.getBlob(route.name, route.digest, method, req, res);
        return notAllowed();
      case 'uploads':
        if (method !== 'POST') notAllowed();
        return this.startUpload(route.name, url, req, res);
      case 'upload':
        if (method === 'PATCH') return this.patchUpload(route.name, route.id, req, res);
        if (method === 'PUT') return this.finishUpload(route.name, route.id, url, req, res);
        if (method === 'GET') return this.uploadStatus(route.name, route.id, res);
        if (method === 'DELETE') return this.cancelUpload(route.name, route.id, res);
        return notAllowed();
    }
  }

  private send(
    res: ServerResponse,
    status: number,
    headers: Record<string, string | number>,
    body?: string | Buffer,
  ): void {
    if (body !== undefined && headers['Content-Length'] === undefined)
      headers['Content-Length'] = Buffer.byteLength(body);
    res.writeHead(status, headers);
    res.end(body);
  }

  private listTags(name: string, url: URL, res: ServerResponse): void {
    const all = this.store.tags(this.repository(name));
    if (!all) throw new OciError('NAME_UNKNOWN', `repository ${name} is not known to this registry`, { name });
    const nParam = url.searchParams.get('n');
    let n: number | undefined;
    if (nParam !== null) {
      n = Number(nParam);
      if (!Number.isInteger(n) || n < 0)
        throw new OciError('UNSUPPORTED', `tags list: n must be a non-negative integer, got "${nParam}"`);
    }
    const page = tagPage(all, n, url.searchParams.get('last') ?? undefined);
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (page.nextLast !== undefined && n !== undefined) headers.Link = nextPageLink(name, n, page.nextLast);
    this.send(res, 200, headers, JSON.stringify({ name, tags: page.tags }));
  }

  private getManifest(name: string, reference: string, method: string, res: ServerResponse): void {
    const repo = this.repository(name);
    if (!this.store.hasRepository(repo))
      throw new OciError('NAME_UNKNOWN', `repository ${name} is not known to this registry`, { name });
    const manifest = this.store.manifest(repo, reference);
    if (!manifest)
      throw new OciError('MANIFEST_UNKNOWN', `manifest ${reference} not found in ${name}`, { name, reference });
    this.send(
      res,
      200,
      {
        'Content-Type': manifest.mediaType,
        'Content-Length': manifest.bytes.length,
        'Docker-Content-Digest': manifest.digest,
        ETag: `"${manifest.digest}"`,
      },
      method === 'HEAD' ? undefined : manifest.bytes,
    );
  }

  private async putManifest(name: string, reference: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const repo = this.repository(name);
    if (!isDigest(reference) && !isValidTag(reference)) {
      throw new OciError('MANIFEST_INVALID', `"${reference}" is neither a tag nor a digest`);
    }
    const bytes = await readBody(req, MAX_MANIFEST_BYTES);
    const mediaType = this.manifestMediaType(req.headers['content-type'], bytes);
    const digest = sha256Digest(bytes);
    if (isDigest(reference) && reference !== digest) {
      throw new OciError('DIGEST_INVALID', `manifest content has digest ${digest}, not ${reference}`);
    }
    this.checkReferences(repo, name, mediaType, bytes);
    this.store.putManifest(repo, reference, mediaType, bytes);
    this.send(res, 201, {
      Location: `/v2/${name}/manifests/${digest}`,
      'Docker-Content-Digest': digest,
      'Content-Length': 0,
    });
  }

  private manifestMediaType(contentType: string | undefined, bytes: Buffer): string {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new OciError('MANIFEST_INVALID', 'manifest is not valid JSON');
    }
    if (json === null || typeof json !== 'object' || json.schemaVersion !== 2) {
      throw new OciError('MANIFEST_INVALID', 'only schemaVersion 2 manifests are accepted');
    }
    const declared = typeof json.mediaType === 'string' ? json.mediaType : undefined;
    const header = contentType?.split(';')[0]?.trim();
    const mediaType = header && MANIFEST_MEDIA_TYPES.includes(header) ? header : declared;
    if (!mediaType || !MANIFEST_MEDIA_TYPES.includes(mediaType)) {
      throw new OciError('MANIFEST_INVALID', `unsupported manifest media type ${header ?? declared ?? '(none)'}`);
    }
    if (declared !== undefined && declared !== mediaType) {
      throw new OciError(
        'MANIFEST_INVALID',
        `Content-Type ${mediaType} disagrees with the manifest's mediaType ${declared}`,
      );
    }
    return mediaType;
  }

  /** Like a real registry: everything a manifest points at must already be here. */
  private checkReferences(repo: RepositoryRef, name: string, mediaType: string, bytes: Buffer): void {
    let parsed;
    try {
      parsed = parseManifest(bytes, mediaType);
    } catch (error) {
      throw new OciError('MANIFEST_INVALID', error instanceof Error ? error.message : 'unreadable manifest');
    }
    if (parsed.kind === 'index') {
      if (!isIndexMediaType(mediaType) || !Array.isArray(parsed.index.manifests)) {
        throw new OciError('MANIFEST_INVALID', 'index has no manifests array');
      }
      for (const child of parsed.index.manifests) {
        if (!this.store.manifest(repo, child.digest)) {
          throw new OciError('MANIFEST_BLOB_UNKNOWN', `index refers to manifest ${child.digest}, unknown in ${name}`, {
            digest: child.digest,
          });
        }
      }
      return;
    }
    for (const blob of [parsed.manifest.config, ...parsed.manifest.layers]) {
      if (!blob || typeof blob.digest !== 'string') throw new OciError('MANIFEST_INVALID', 'descriptor without digest');
      // Foreign layers live elsewhere (their `urls`), as the distribution registry allows.
      if (blob.urls && blob.urls.length > 0) continue;
      if (!this.store.hasBlob(repo, blob.digest)) {
        throw new OciError('MANIFEST_BLOB_UNKNOWN', `manifest refers to blob ${blob.digest}, unknown in ${name}`, {
          digest: blob.digest,
        });
      }
    }
  }

  private deleteManifest(name: string, reference: string, res: ServerResponse): void {
    const repo = this.repository(name);
    if (!this.store.manifest(repo, reference)) {
      throw new OciError('MANIFEST_UNKNOWN', `manifest ${reference} not found in ${name}`, { name, reference });
    }
    if (isDigest(reference)) this.store.deleteManifest(repo, reference);
    else this.store.deleteTag(repo, reference);
    this.send(res, 202, { 'Content-Length': 0 });
  }

  private getBlob(name: string, digest: string, method: string, req: IncomingMessage, res: ServerResponse): void {
    if (!isDigest(digest)) throw new OciError('DIGEST_INVALID', `"${digest}" is not a digest`);
    const bytes = this.store.blob(this.repository(name), digest);
    if (!bytes) throw new OciError('BLOB_UNKNOWN', `blob ${digest} not found in ${name}`, { digest });
    const common = {
      'Docker-Content-Digest': digest,
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/octet-stream',
      ETag: `"${digest}"`,
    };
    const range = method === 'GET' ? parseByteRange(req.headers.range, bytes.length) : undefined;
    if (range === 'unsatisfiable') {
      this.send(res, 416, { ...common, 'Content-Range': `bytes */${bytes.length}`, 'Content-Length': 0 }, '');
      return;
    }
    if (range) {
      const part = bytes.subarray(range.start, range.end + 1);
      this.send(res, 206, { ...common, 'Content-Range': `bytes ${range.start}-${range.end}/${bytes.length}` }, part);
      return;
    }
    this.send(res, 200, { ...common, 'Content-Length': bytes.length }, method === 'HEAD' ? undefined : bytes);
  }

  private async startUpload(name: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const repo = this.repository(name);
    const mount = url.searchParams.get('mount');
    const from = url.searchParams.get('from');
    if (mount !== null && from !== null) {
      if (!isDigest(mount)) throw new OciError('DIGEST_INVALID', `mount: "${mount}" is not a digest`);
      if (isValidRepositoryName(from) && this.store.mountBlob(repo, mount, this.repository(from))) {
        req.resume();
        return this.blobCreated(res, name, mount);
      }
      // Not mountable: fall back to an ordinary upload session, as the spec says.
    }
    const digest = url.searchParams.get('digest');
    const session = this.uploads.open(repo);
    if (digest !== null) {
      await this.receive(session.id, repo, req);
      return this.complete(name, session.id, digest, res);
    }
    req.resume();
    this.uploadAccepted(res, name, session.id, 0);
  }

  private async patchUpload(name: string, id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const repo = this.repository(name);
    const session = this.session(id, repo);
    const contentRange = req.headers['content-range'];
    if (contentRange !== undefined) {
      const m = /^(?:bytes )?(\d+)-(\d+)$/.exec(contentRange.trim());
      if (!m || Number(m[1]) !== session.size) {
        throw new OciError(
          'RANGE_INVALID',
          `chunk range ${contentRange} does not continue the ${session.size} bytes received`,
        );
      }
    }
    await this.receive(id, repo, req);
    this.uploadAccepted(res, name, id, session.size);
  }

  private async finishUpload(
    name: string,
    id: string,
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const repo = this.repository(name);
    this.session(id, repo);
    const digest = url.searchParams.get('digest');
    if (digest === null) throw new OciError('DIGEST_INVALID', 'closing an upload needs ?digest=');
    await this.receive(id, repo, req);
    this.complete(name, id, digest, res);
  }

  private uploadStatus(name: string, id: string, res: ServerResponse): void {
    const session = this.session(id, this.repository(name));
    this.send(res, 204, {
      Location: `/v2/${name}/blobs/uploads/${id}`,
      Range: `0-${Math.max(0, session.size - 1)}`,
      'Docker-Upload-UUID': id,
    });
  }

  private cancelUpload(name: string, id: string, res: ServerResponse): void {
    this.session(id, this.repository(name));
    this.uploads.close(id);
    this.send(res, 204, {});
  }

  private session(id: string, repo: RepositoryRef) {
    const session = this.uploads.get(id, repo);
    if (!session) throw new OciError('BLOB_UPLOAD_UNKNOWN', `upload ${id} is unknown in ${repo.path}`);
    return session;
  }

  /** Streams the request body into the session (chunk by chunk, bounded). */
  private async receive(id: string, repo: RepositoryRef, req: IncomingMessage): Promise<void> {
    const session = this.session(id, repo);
    const limit = this.options.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES;
    for await (const chunk of req) {
      session.append(chunk as Buffer);
      if (session.size > limit) {
        this.uploads.close(id);
        throw new OciError('SIZE_INVALID', `blob upload exceeds the embedded registry's limit of ${limit} bytes`);
      }
    }
  }

  private complete(name: string, id: string, digest: string, res: ServerResponse): void {
    const repo = this.repository(name);
    const session = this.session(id, repo);
    this.uploads.close(id);
    if (!isDigest(digest)) throw new OciError('DIGEST_INVALID', `"${digest}" is not a digest`);
    if (!digest.startsWith('sha256:'))
      throw new OciError('DIGEST_INVALID', `only sha256 digests are supported, got ${digest}`);
    const { digest: actual, bytes } = session.finish();
    if (actual !== digest) {
      throw new OciError('DIGEST_INVALID', `uploaded content has digest ${actual}, not ${digest}`, { digest });
    }
    this.store.putBlob(repo, bytes);
    this.blobCreated(res, name, digest);
  }

  private blobCreated(res: ServerResponse, name: string, digest: string): void {
    this.send(res, 201, {
      Location: `/v2/${name}/blobs/${digest}`,
      'Docker-Content-Digest': digest,
      'Content-Length': 0,
    });
  }

  private uploadAccepted(res: ServerResponse, name: string, id: string, size: number): void {
    this.send(res, 202, {
      Location: `/v2/${name}/blobs/uploads/${id}`,
      Range: `0-${Math.max(0, size - 1)}`,
      'Docker-Upload-UUID': id,
      'Content-Length': 0,
    });
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new OciError('SIZE_INVALID', `manifest larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
