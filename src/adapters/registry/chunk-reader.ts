import { Readable } from 'node:stream';

/** Cuts one stream into consecutive sub-streams of exact lengths without buffering more than a chunk of the source. */
export class ChunkReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private pending: Buffer | undefined;

  constructor(source: Readable) {
    this.iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  take(length: number): Readable {
    return Readable.from(this.pieces(length), { objectMode: false });
  }

  private async *pieces(length: number): AsyncGenerator<Buffer> {
    let remaining = length;
    while (remaining > 0) {
      let piece = this.pending;
      this.pending = undefined;
      if (!piece) {
        const next = await this.iterator.next();
        if (next.done) return;
        piece = next.value;
      }
      if (piece.length > remaining) {
        this.pending = piece.subarray(remaining);
        piece = piece.subarray(0, remaining);
      }
      remaining -= piece.length;
      yield piece;
    }
  }

  async atEnd(): Promise<boolean> {
    if (this.pending && this.pending.length > 0) return false;
    const next = await this.iterator.next();
    return next.done === true;
  }
}
