import { createReadStream, createWriteStream, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { OutputBlob } from '../../ports/image-output-port';

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

  constructor(
    private readonly blobs: readonly OutputBlob[],
    private readonly open: (blob: OutputBlob, index: number) => Promise<Readable>,
    private readonly spoolDir: string,
    private readonly concurrency: number,
  ) {}

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
      source.unpipe(file);
      file.end();
      await finished(file);
      const spooled = createReadStream(path, { highWaterMark: 1024 * 1024 });
      spooled.once('close', () => rmSync(path, { force: true }));
      return Readable.from(concat(spooled, source), { objectMode: false });
    }
    await done;
    const spooled = createReadStream(path, { highWaterMark: 1024 * 1024 });
    spooled.once('close', () => rmSync(path, { force: true }));
    return spooled;
  }

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
    const file = createWriteStream(path, { highWaterMark: 1024 * 1024 });
    const done = new Promise<void>((resolve, reject) => {
      source.once('error', reject);
      file.once('error', reject);
      file.once('finish', () => resolve());
    });
    done.catch(() => file.destroy());
    source.pipe(file);
    task.spool = { path, file, done };
  }
}
