import { pipeline, type Readable } from 'node:stream';
import type { OpenBlob, OutputBlob } from '../../ports/image-output-port';
import type { Logger } from '../../ports/logger';
import { OrderedBlobQueue } from './ordered-blob-queue';
import { createProgress, progressCounter, type ProgressReporter, type ProgressSink } from './progress-reporter';

export interface DownloadOptions {
  readonly logger: Logger;
  readonly progressSink: ProgressSink;
  readonly concurrency: number;
}

/** `sha256:0123456789ab…` → `0123456789ab`, the short form people recognise in logs. */
export function shortDigest(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13);
}

/** One progress line or bar per blob, labelled `NOUN i/n DIGEST`. */
export function blobProgress(blobs: readonly OutputBlob[], noun: string, options: DownloadOptions): ProgressReporter {
  return createProgress(
    blobs.map((b, i) => ({ label: `${noun} ${i + 1}/${blobs.length} ${shortDigest(b.digest)}`, total: b.size })),
    options.progressSink,
    options.logger,
  );
}

/**
 * Layers downloaded concurrently and handed out strictly in order (early arrivals spooled to
 * disk), each counted into its progress bar. The rootfs unpacker and the tarball writer share it.
 */
export class LayerDownload {
  private readonly progress: ProgressReporter;
  private readonly queue: OrderedBlobQueue;
  private readonly logger: Logger;
  private closed = false;

  constructor(layers: readonly OutputBlob[], openBlob: OpenBlob, spoolDir: string, options: DownloadOptions) {
    this.logger = options.logger;
    this.progress = blobProgress(layers, 'layer', options);
    this.queue = new OrderedBlobQueue(
      layers,
      async (blob, index) => {
        const counter = progressCounter(this.progress, index);
        pipeline(await openBlob(blob), counter, () => undefined);
        return counter;
      },
      spoolDir,
      options.concurrency,
    );
  }

  /** The stream of layer `index`; call in order, once each. */
  take(index: number): Promise<Readable> {
    return this.queue.take(index);
  }

  /** Stops what is still downloading; a second call does nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const peak = this.queue.peakSpoolBufferedBytes;
    if (peak > 0) this.logger.debug(`layers waiting for their turn held at most ${peak} bytes in memory`);
    this.queue.close();
    this.progress.stop();
  }
}
