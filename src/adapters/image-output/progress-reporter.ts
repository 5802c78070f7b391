import { Transform, type TransformCallback } from 'node:stream';
import type { Logger } from '../../ports/logger';

/** Bytes done per blob, for people watching a build log. */
export interface ProgressReporter {
  advance(index: number, bytes: number): void;
  done(index: number): void;
  stop(): void;
}

export interface ProgressItem {
  readonly label: string;
  readonly total: number;
}

/** Where progress goes: a terminal gets live bars, anything else plain periodic lines. */
export interface ProgressSink {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

const MiB = 1024 * 1024;

function mib(bytes: number): string {
  return (bytes / MiB).toFixed(1);
}

function bar(done: number, total: number, width = 24): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * width);
  return `[${'='.repeat(filled)}${' '.repeat(width - filled)}]`;
}

abstract class BaseProgress implements ProgressReporter {
  protected readonly bytes: number[];
  protected readonly finished: boolean[];
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    protected readonly items: readonly ProgressItem[],
    protected readonly sink: ProgressSink,
    intervalMs: number,
  ) {
    this.bytes = items.map(() => 0);
    this.finished = items.map(() => false);
    this.timer = setInterval(() => this.render(), intervalMs);
    this.timer.unref();
  }

  advance(index: number, bytes: number): void {
    this.bytes[index] = (this.bytes[index] ?? 0) + bytes;
  }

  done(index: number): void {
    this.finished[index] = true;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.render();
  }

  protected line(index: number): string {
    const item = this.items[index] as ProgressItem;
    const done = this.bytes[index] ?? 0;
    return `${item.label} ${bar(done, item.total)} ${mib(done)}/${mib(item.total)} MiB${this.finished[index] ? ' done' : ''}`;
  }

  protected abstract render(): void;
}

/** One bar per blob, redrawn in place. */
class TerminalProgress extends BaseProgress {
  private drawn = 0;

  protected render(): void {
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    const lines = this.items.map((_, i) => `\x1b[2K${this.line(i)}\n`).join('');
    this.sink.write(`${up}${lines}`);
    this.drawn = this.items.length;
  }
}

/** Build logs are not terminals: a line per blob that moved since the last report, and one when it finishes. */
class PlainProgress extends BaseProgress {
  private readonly reported: number[];
  private readonly announcedDone: boolean[];

  constructor(items: readonly ProgressItem[], sink: ProgressSink, intervalMs: number) {
    super(items, sink, intervalMs);
    this.reported = items.map(() => -1);
    this.announcedDone = items.map(() => false);
  }

  override done(index: number): void {
    super.done(index);
    this.render();
  }

  protected render(): void {
    let out = '';
    this.items.forEach((_, i) => {
      if (this.announcedDone[i]) return;
      const done = this.bytes[i] ?? 0;
      if (this.finished[i]) {
        this.announcedDone[i] = true;
        out += `${this.line(i)}\n`;
      } else if (done !== this.reported[i] && done > 0) {
        this.reported[i] = done;
        out += `${this.line(i)}\n`;
      }
    });
    if (out !== '') this.sink.write(out);
  }
}

/** With `debug: true` the detailed log replaces progress output. */
class DebugProgress implements ProgressReporter {
  constructor(
    private readonly items: readonly ProgressItem[],
    private readonly logger: Logger,
  ) {}

  advance(): void {}

  done(index: number): void {
    const item = this.items[index];
    if (item) this.logger.debug(`${item.label}: ${item.total} bytes fetched`);
  }

  stop(): void {}
}

export function createProgress(
  items: readonly ProgressItem[],
  sink: ProgressSink,
  logger: Logger,
  options: { plainIntervalMs?: number; ttyIntervalMs?: number } = {},
): ProgressReporter {
  if (logger.debugEnabled) return new DebugProgress(items, logger);
  if (sink.isTTY) return new TerminalProgress(items, sink, options.ttyIntervalMs ?? 150);
  return new PlainProgress(items, sink, options.plainIntervalMs ?? 5000);
}

/** A pass-through that reports the bytes flowing through it. */
export function progressCounter(progress: ProgressReporter, index: number): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      progress.advance(index, chunk.length);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      progress.done(index);
      callback();
    },
  });
}
