import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { digestAlgorithm, digestHex } from '../../domain/digest';
import { DigestMismatchError } from '../../domain/errors';
import { NetworkError, RegistryError } from '../../ports/registry-errors';
import type { BlobRef } from '../../ports/registry-port';
import type { Logger } from '../../ports/logger';
import { StepDeadlineError } from './step-deadline';
import { classifyTransportError } from './transport-error';

/** A response body positioned somewhere in the blob: `start` is the blob offset of its first byte. */
export interface BlobBody {
  readonly body: Readable;
  readonly start: number;
}

export interface VerifyingBlobStreamOptions {
  readonly blob: BlobRef;
  /** "blob sha256:… of host/repo", for messages. */
  readonly what: string;
  readonly logger: Logger;
  /** How many times a broken body may be resumed (each resume is a ranged GET). */
  readonly maxResumes: number;
  /** Re-request the blob from `offset` (a `Range` request; a server ignoring it answers from 0). */
  readonly reopen: (offset: number) => Promise<BlobBody>;
}

/**
 * The blob as one stream, hashed as it flows. A body that breaks or ends short is resumed with a
 * ranged request from the first byte not yet passed on, so the consumer sees one continuous stream;
 * bytes a server resends from 0 are skipped. At the end the digest (and the size, when the
 * descriptor gave one) must match, or the stream errors instead of ending: a consumer never sees a
 * clean end on wrong content.
 */
export class VerifyingBlobStream extends Readable {
  private readonly hash: Hash;
  private readonly expectedHex: string;
  private source: Readable | undefined;
  /** Bytes passed on (and hashed) so far: the blob offset of the next byte. */
  private offset = 0;
  private skip = 0;
  private resumes = 0;

  constructor(
    first: BlobBody,
    private readonly options: VerifyingBlobStreamOptions,
  ) {
    super();
    this.hash = createHash(digestAlgorithm(options.blob.digest));
    this.expectedHex = digestHex(options.blob.digest);
    this.attach(first);
  }

  get bytesPassed(): number {
    return this.offset;
  }

  override _read(): void {
    this.source?.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const source = this.source;
    this.source = undefined;
    source?.destroy();
    callback(error);
  }

  private attach(part: BlobBody): void {
    const body = part.body;
    this.source = body;
    this.skip = this.offset - part.start;
    if (this.skip < 0) {
      this.fail(
        body,
        new RegistryError(`${this.options.what}: resumed body starts at byte ${part.start}, after ${this.offset}`),
      );
      return;
    }
    let settled = false;
    body.on('data', (chunk: Buffer) => {
      if (this.source !== body) return;
      let data = chunk;
      if (this.skip > 0) {
        const dropped = Math.min(this.skip, data.length);
        this.skip -= dropped;
        data = data.subarray(dropped);
        if (data.length === 0) return;
      }
      const size = this.options.blob.size;
      if (size >= 0 && this.offset + data.length > size) {
        settled = true;
        this.fail(
          body,
          new RegistryError(`${this.options.what}: registry sent more than the ${size} bytes the descriptor declares`),
        );
        return;
      }
      this.offset += data.length;
      this.hash.update(data);
      if (!this.push(data)) body.pause();
    });
    body.once('end', () => {
      settled = true;
      if (this.source !== body) return;
      const size = this.options.blob.size;
      if (size >= 0 && this.offset < size) {
        this.resumeAfter(body, `body ended after ${this.offset} of ${size} bytes`);
        return;
      }
      this.finish();
    });
    body.once('error', (error: Error) => {
      settled = true;
      this.resumeAfter(body, error.message, error);
    });
    body.once('close', () => {
      if (!settled) this.resumeAfter(body, 'connection closed mid-body');
    });
  }

  private finish(): void {
    this.source = undefined;
    const actualHex = this.hash.digest('hex');
    if (actualHex !== this.expectedHex) {
      const actual = `${digestAlgorithm(this.options.blob.digest)}:${actualHex}`;
      this.destroy(new DigestMismatchError(this.options.blob.digest, actual, this.options.what));
      return;
    }
    this.push(null);
  }

  private fail(body: Readable, error: Error): void {
    this.source = undefined;
    body.destroy();
    this.destroy(error);
  }

  private resumeAfter(body: Readable, reason: string, cause?: Error): void {
    if (this.source !== body || this.destroyed) return;
    if (cause instanceof StepDeadlineError) {
      return this.fail(body, new NetworkError('deadline', `${this.options.what}: ${cause.message}`, { cause }));
    }
    this.source = undefined;
    body.destroy();
    if (this.resumes >= this.options.maxResumes) {
      this.destroy(
        new NetworkError(
          cause ? classifyTransportError(cause).kind : 'reset',
          `${this.options.what}: download broke after ${this.offset} bytes: ${reason} (after ${this.resumes + 1} attempts)`,
          cause ? { cause } : {},
        ),
      );
      return;
    }
    this.resumes++;
    this.options.logger.warn(
      `${this.options.what}: ${reason}; resuming from byte ${this.offset} (attempt ${this.resumes + 1}/${this.options.maxResumes + 1})`,
    );
    this.options.reopen(this.offset).then(
      (next) => {
        if (this.destroyed) {
          next.body.destroy();
          return;
        }
        this.attach(next);
      },
      (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
    );
  }
}
