import { createReadStream, createWriteStream, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { OutputBlob } from '../../ports/image-output-port';

/**
 * Bytes a download whose turn has not come may hold in memory on its way to its spool file
 * (the write queue; the source is paused beyond it). With 4 downloads in flight, at most 3 spool,
 * so early downloads hold about 3 × (this + one network chunk + the source's own buffer).
 */
export const SPOOL_BUFFER_BYTES = 256 * 1024;

/** Read size of a spooled blob when its turn comes. */
const SPOOL_READ_BYTES = 1024 * 1024;

interface Task {
  readonly opened: Promise<Readable>;
  source?: Readable;
  spool?: { readonly path: string; readonly file: WriteStream; readonly done: Promise<void> };
  claimed: boolean;
}

async function* concat(first: Readable, rest: Readable): AsyncGenerator<Buffer> {
  for await (const chunk of first) yield chunk as Buffer;
  for await (const chunk of rest) yield chunk as Buffer;
}

/**
 * Downloads up to `concurrency` blobs at once but hands them out strictly in order. The blob
 * whose turn it is streams straight from the network; blobs that arrive early are spooled to
 * disk (never memory), and when their turn comes the consumer reads the spooled part and then
 * the rest of the live stream. Each stream still ends with the registry's digest check.
 */
export class OrderedBlobQueue {
  private readonly tasks = new Map<number, Task>();
  private closed = false;
  private peakSpooled = 0;

  constructor(
    private readonly blobs: readonly OutputBlob[],
    private readonly open: (blob: OutputBlob, index: number) => Promise<Readable>,
    private readonly spoolDir: string,
    private readonly concurrency: number,
    private readonly spoolBufferBytes: number = SPOOL_BUFFER_BYTES,
  ) {}

  /** Bytes that downloads not yet taken hold in memory right now (write queues and source buffers). */
  get spoolBufferedBytes(): number {
    let bytes = 0;
    for (const task of this.tasks.values()) {
      if (task.spool) bytes += task.spool.file.writableLength + (task.source?.readableLength ?? 0);
    }
    return bytes;
  }

  /** The most `spoolBufferedBytes` has been, sampled at every spooled chunk. */
  get peakSpoolBufferedBytes(): number {
    return this.peakSpooled;
  }

  /** The stream of blob `index`; call in order, once each. */
  async take(index: number): Promise<Readable> {
    for (let i = index; i < Math.min(this.blobs.length, index + this.concurrency); i++) this.start(i);
    const task = this.tasks.get(index) as Task;
    task.claimed = true;
    const source = await task.opened;
    this.tasks.delete(index);
    if (!task.spool) return source;
    const { path, file, done } = task.spool;
    if (!source.readableEnded && !source.destroyed) {
      source.off('data', this.sampleSpooled);
      source.unpipe(file);
      file.end();
      await finished(file);
      const spooled = createReadStream(path, { highWaterMark: SPOOL_READ_BYTES });
      spooled.once('close', () => rmSync(path, { force: true }));
      return Readable.from(concat(spooled, source), { objectMode: false });
    }
    await done;
    const spooled = createReadStream(path, { highWaterMark: SPOOL_READ_BYTES });
    spooled.once('close', () => rmSync(path, { force: true }));
    return spooled;
  }

  private readonly sampleSpooled = (): void => {
    this.peakSpooled = Math.max(this.peakSpooled, this.spoolBufferedBytes);
  };

  /** Stops every download still running and removes the spool. */
  close(): void {
    this.closed = true;
    for (const task of this.tasks.values()) {
      task.source?.destroy();
      task.spool?.file.destroy();
    }
    this.tasks.clear();
    rmSync(this.spoolDir, { recursive: true, force: true });
  }

  private start(index: number): void {
    if (this.tasks.has(index) || this.closed) return;
    const blob = this.blobs[index] as OutputBlob;
    const task: Task = {
      claimed: false,
      opened: this.open(blob, index).then((source) => {
        task.source = source;
        if (this.closed) source.destroy();
        else if (!task.claimed) this.spool(task, source, index);
        return source;
      }),
    };
    // A failure surfaces when the blob's turn comes (take awaits `opened`); until then it is parked.
    task.opened.catch(() => undefined);
    this.tasks.set(index, task);
  }

  private spool(task: Task, source: Readable, index: number): void {
    mkdirSync(this.spoolDir, { recursive: true });
    const path = `${this.spoolDir}/${index}`;
    const file = createWriteStream(path, { highWaterMark: this.spoolBufferBytes });
    const done = new Promise<void>((resolve, reject) => {
      source.once('error', reject);
      file.once('error', reject);
      file.once('finish', () => resolve());
    });
    done.catch(() => file.destroy());
    task.spool = { path, file, done };
    // pipe() pauses the source once the write queue passes the high-water mark: that is the cap.
    source.pipe(file);
    // After pipe's own listener, so the sample sees the chunk just queued.
    source.on('data', this.sampleSpooled);
    source.once('end', () => source.off('data', this.sampleSpooled));
  }
}
