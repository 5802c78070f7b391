/**
 * The frame structure of a zstd stream (RFC 8878 §3.1), read without decompressing: frame
 * headers, block headers, checksums and skippable frames. It lets us refuse a frame before any
 * decoder allocates its window, and tells the pure-JS decoder where each frame ends so its
 * checksum can be verified.
 */
import { formatSize } from './byte-size';

/** libzstd refuses larger windows unless told otherwise (ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27). */
export const MAX_ZSTD_WINDOW = 2 ** 27;
/** RFC 8878 §3.1.1.2: no block regenerates or carries more than 128 KiB. */
const MAX_BLOCK = 128 * 1024;
const EMPTY = Buffer.alloc(0);

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

export interface ZstdFrameHeader {
  /** 1-based position among the zstd frames of the stream (skippable frames not counted). */
  readonly index: number;
  /** Bytes of history the decoder must keep. */
  readonly windowSize: number;
  readonly contentSize?: number;
  readonly hasChecksum: boolean;
}

/** What the reader reports, in stream order. */
export interface ZstdFrameSink {
  /** Before any byte of the frame; throw to refuse it. */
  frameStart(header: ZstdFrameHeader): void;
  /** Every byte of a zstd frame (magic to checksum included), never those of skippable frames. */
  frameBytes(bytes: Buffer): void;
  /** After each block header. */
  block?(header: ZstdFrameHeader): void;
  /** After the frame's last byte; `checksum` is the stored low 32 bits of XXH64, if any. */
  frameEnd(header: ZstdFrameHeader, checksum: number | undefined): void;
}

/** A structural error: the stream is not valid zstd (the layer is corrupt). */
export class ZstdFormatError extends Error {
  override readonly name = 'ZstdFormatError';
}

/** A valid frame we refuse to decode (window past the limit). */
export class ZstdWindowError extends Error {
  override readonly name = 'ZstdWindowError';
  constructor(
    readonly header: ZstdFrameHeader,
    readonly limit: number,
  ) {
    super(
      `zstd frame ${header.index} needs a ${formatSize(header.windowSize)} window, more than the ${formatSize(limit)} libzstd decodes by default`,
    );
  }
}

type State =
  | 'magic' // gathering 4 bytes
  | 'skippable-size' // gathering 4 bytes
  | 'skip' // `remaining` bytes of a skippable frame
  | 'header-descriptor' // 1 byte
  | 'header-rest' // gathering the rest of the header (`need` bytes in all)
  | 'block-header' // 3 bytes
  | 'block-data' // `remaining` bytes
  | 'checksum'; // 4 bytes

/** Where the parts of a frame header sit, from its descriptor byte (RFC 8878 §3.1.1.1.1). */
function headerLayout(descriptor: number): {
  singleSegment: boolean;
  dictionaryBytes: number;
  contentSizeBytes: number;
  /** Magic and descriptor included. */
  length: number;
} {
  const singleSegment = ((descriptor >> 5) & 1) === 1;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3] as number;
  const fcsFlag = descriptor >> 6;
  const contentSizeBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag;
  // Never just the descriptor: a frame has a window descriptor or a content size.
  const length = 5 + (singleSegment ? 0 : 1) + dictionaryBytes + contentSizeBytes;
  return { singleSegment, dictionaryBytes, contentSizeBytes, length };
}

function le(bytes: Uint8Array, start: number, length: number): number {
  let value = 0;
  for (let i = length - 1; i >= 0; i--) value = value * 256 + (bytes[start + i] as number);
  return value;
}

/**
 * Incremental reader: `push` chunks, then `end`. Throws ZstdFormatError or ZstdWindowError
 * (and whatever the sink throws) from the call that reached the offending byte.
 */
export class ZstdFrameReader {
  private state: State = 'magic';
  /** Gathered bytes of the current small field (magic, header, block header, checksum). */
  private readonly field = Buffer.alloc(18);
  private fieldLength = 0;
  private need = 4;
  private remaining = 0;
  private frames = 0;
  private offset = 0;
  private header: ZstdFrameHeader | undefined;
  private lastBlock = false;
  /** The chunk being read, the position in it, and where the current frame's bytes in it start (-1: none). */
  private chunk: Buffer = EMPTY;
  private at = 0;
  private run = -1;

  constructor(
    private readonly sink: ZstdFrameSink,
    private readonly maxWindow = MAX_ZSTD_WINDOW,
  ) {}

  push(chunk: Buffer): void {
    this.chunk = chunk;
    this.at = 0;
    this.run = this.inFrame() ? 0 : -1;
    while (this.at < chunk.length) {
      if (this.state === 'skip' || this.state === 'block-data') {
        const take = Math.min(this.remaining, chunk.length - this.at);
        this.at += take;
        this.offset += take;
        this.remaining -= take;
        if (this.remaining === 0) {
          if (this.state === 'skip') this.expect('magic', 4);
          else this.afterBlock();
        }
        continue;
      }
      const take = Math.min(this.need - this.fieldLength, chunk.length - this.at);
      chunk.copy(this.field, this.fieldLength, this.at, this.at + take);
      this.fieldLength += take;
      this.at += take;
      this.offset += take;
      if (this.fieldLength === this.need) this.fieldComplete();
    }
    this.flush();
    this.chunk = EMPTY;
  }

  /** Call once the stream ended: a frame cut short is a truncated layer. */
  end(): void {
    if (this.state === 'magic' && this.fieldLength === 0) {
      if (this.frames === 0) throw new ZstdFormatError('zstd stream holds no frame');
      return;
    }
    const where = this.header ? `in zstd frame ${this.header.index}` : 'in a skippable zstd frame';
    throw new ZstdFormatError(`zstd stream truncated ${where} (ended at byte ${this.offset})`);
  }

  /** Hands the sink the bytes of the current frame read from this chunk so far. */
  private flush(): void {
    if (this.run >= 0 && this.at > this.run) this.sink.frameBytes(this.chunk.subarray(this.run, this.at));
    this.run = this.inFrame() ? this.at : -1;
  }

  private afterBlock(): void {
    if (!this.lastBlock) this.expect('block-header', 3);
    else if (this.header?.hasChecksum) this.expect('checksum', 4);
    else this.endFrame(undefined);
  }

  private inFrame(): boolean {
    return this.state === 'block-header' || this.state === 'block-data' || this.state === 'checksum';
  }

  private expect(state: State, need: number): void {
    this.state = state;
    this.need = need;
    this.fieldLength = 0;
  }

  private fieldComplete(): void {
    const f = this.field;
    switch (this.state) {
      case 'magic': {
        const magic = f.readUInt32LE(0);
        if (magic === ZSTD_MAGIC) {
          this.state = 'header-descriptor';
          this.need = 5;
        } else if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
          this.expect('skippable-size', 4);
        } else {
          throw new ZstdFormatError(
            `not a zstd frame at byte ${this.offset - 4} (magic 0x${magic.toString(16).padStart(8, '0')})`,
          );
        }
        return;
      }
      case 'skippable-size':
        this.remaining = f.readUInt32LE(0);
        if (this.remaining === 0) this.expect('magic', 4);
        else this.state = 'skip';
        return;
      case 'header-descriptor': {
        const descriptor = f[4] as number;
        if (descriptor & 0x08) throw new ZstdFormatError(`zstd frame ${this.frames + 1} sets a reserved header bit`);
        this.need = headerLayout(descriptor).length;
        this.state = 'header-rest';
        return;
      }
      case 'header-rest':
        this.readHeader();
        return;
      case 'block-header': {
        const raw = le(f, 0, 3);
        const header = this.header as ZstdFrameHeader;
        this.lastBlock = (raw & 1) === 1;
        const type = (raw >> 1) & 3;
        const size = raw >>> 3;
        if (type === 3) throw new ZstdFormatError(`zstd frame ${header.index} has a block of the reserved type`);
        if (size > MAX_BLOCK) {
          throw new ZstdFormatError(`zstd frame ${header.index} has a block of ${size} bytes, more than 128 KiB`);
        }
        this.sink.block?.(header);
        this.remaining = type === 1 ? 1 : size;
        this.state = 'block-data';
        // An empty raw block: straight to what follows it.
        if (this.remaining === 0) this.afterBlock();
        return;
      }
      case 'checksum':
        this.endFrame(f.readUInt32LE(0));
        return;
      default:
        return;
    }
  }

  private readHeader(): void {
    const f = this.field;
    const descriptor = f[4] as number;
    const { singleSegment, dictionaryBytes, contentSizeBytes } = headerLayout(descriptor);
    let at = 5;
    let windowSize = 0;
    if (!singleSegment) {
      const windowDescriptor = f[at++] as number;
      const base = 2 ** (10 + (windowDescriptor >> 3));
      windowSize = base + (base / 8) * (windowDescriptor & 7);
    }
    const dictionaryId = le(f, at, dictionaryBytes);
    at += dictionaryBytes;
    let contentSize: number | undefined;
    if (contentSizeBytes > 0) contentSize = le(f, at, contentSizeBytes) + (contentSizeBytes === 2 ? 256 : 0);
    if (singleSegment) windowSize = contentSize ?? 0;
    this.frames++;
    const header: ZstdFrameHeader = {
      index: this.frames,
      windowSize,
      ...(contentSize !== undefined ? { contentSize } : {}),
      hasChecksum: ((descriptor >> 2) & 1) === 1,
    };
    if (dictionaryId !== 0) {
      throw new ZstdFormatError(
        `zstd frame ${header.index} needs dictionary ${dictionaryId}, which a layer cannot carry`,
      );
    }
    if (windowSize > this.maxWindow) throw new ZstdWindowError(header, this.maxWindow);
    this.header = header;
    this.sink.frameStart(header);
    // The magic and header may span earlier chunks: hand them over from the field.
    this.sink.frameBytes(Buffer.from(this.field.subarray(0, this.need)));
    this.expect('block-header', 3);
    this.run = this.at;
  }

  private endFrame(checksum: number | undefined): void {
    const header = this.header as ZstdFrameHeader;
    this.flush();
    this.header = undefined;
    this.expect('magic', 4);
    this.run = -1;
    this.sink.frameEnd(header, checksum);
  }
}
