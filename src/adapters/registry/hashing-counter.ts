import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { digestAlgorithm } from '../../domain/digest';
import { FilesystemError } from '../../ports/filesystem-port';
import type { BlobRef } from '../../ports/registry-port';

/** Counts (and, when asked, hashes) the bytes going out, and refuses content longer or shorter than declared. */
export class HashingCounter extends Transform {
  private readonly hash: Hash | undefined;
  private bytes = 0;
  digest = '';
  problem: FilesystemError | undefined;
  readonly finished: Promise<void>;

  constructor(
    private readonly blob: BlobRef,
    private readonly what: string,
    hashing: boolean,
  ) {
    super();
    this.hash = hashing ? createHash(digestAlgorithm(blob.digest)) : undefined;
    this.finished = new Promise((resolve, reject) => {
      this.once('end', resolve);
      this.once('error', reject);
    });
    this.finished.catch(() => undefined);
  }

  tooLong(): FilesystemError {
    this.problem ??= new FilesystemError(`${this.what}: content is longer than the declared ${this.blob.size} bytes`);
    return this.problem;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.blob.size >= 0 && this.bytes > this.blob.size) {
      callback(this.tooLong());
      return;
    }
    this.hash?.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.hash) this.digest = `${digestAlgorithm(this.blob.digest)}:${this.hash.digest('hex')}`;
    if (this.blob.size >= 0 && this.bytes < this.blob.size) {
      this.problem = new FilesystemError(
        `${this.what}: content ended after ${this.bytes} of the declared ${this.blob.size} bytes`,
      );
      callback(this.problem);
      return;
    }
    callback();
  }
}
