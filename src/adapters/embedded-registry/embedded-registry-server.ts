import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RepositoryRef } from '../../domain/image-reference';
import { InMemoryRegistryStore } from '../memory/in-memory-registry-store';
import { BlobHandler } from './blob-handler';
import { ManifestHandler } from './manifest-handler';
import { answerWithError } from './oci-error';
import { type RegistryContents, toExchange } from './registry-exchange';
import { RegistryRouter } from './registry-router';
import { UploadHandler } from './upload-handler';

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

/**
 * An OCI distribution registry over the in-memory store, for the demo and for tests that need
 * a registry inside the process. Anonymous, plain HTTP, meant for loopback only. This file
 * listens, closes and wires; the router and the blob, manifest and upload handlers answer.
 */
export class EmbeddedRegistryServer implements RegistryContents {
  readonly store: InMemoryRegistryStore;
  private readonly uploads: UploadHandler;
  private readonly router: RegistryRouter;
  private readonly server: Server;
  private listeningHost: string | undefined;

  constructor(private readonly options: EmbeddedRegistryOptions = {}) {
    this.store = options.store ?? new InMemoryRegistryStore();
    this.uploads = new UploadHandler(this, options.maxBlobBytes);
    this.router = new RegistryRouter({
      blobs: new BlobHandler(this),
      manifests: new ManifestHandler(this),
      uploads: this.uploads,
    });
    this.server = createServer((req, res) => {
      void this.answer(req, res);
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

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const x = toExchange(req, res);
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    try {
      await this.router.route(x);
    } catch (error) {
      answerWithError(x, error);
    } finally {
      this.options.onRequest?.({ method: x.method, path: x.url.pathname + x.url.search, status: res.statusCode });
    }
  }
}
