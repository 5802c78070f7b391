/**
 * Hostile layer bytes, generated on the fly: a gzip "bomb" that inflates to gigabytes is a
 * repetition of one small gzip member, so neither the tar nor the compressed layer is ever
 * built whole. Also hand-written zstd frames (RFC 8878) for what encoders never produce.
 *
 *   gzipFileLayer({ fileSize, block }) → { size, open() }   one file of `fileSize` bytes: `block` repeated
 *   zstdFrame({ windowLog | contentSize, blocks, checksum }) → Buffer
 *   skippableFrame(payload) → Buffer
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

/** A ustar header for one regular file; sizes past 8 GiB in base-256, as GNU tar writes them. */
export function fileHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  if (size < 8 * 1024 ** 3) h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  else {
    h[124] = 0x80;
    let rest = size;
    for (let i = 135; i > 124; i--) {
      h[i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
  }
  h.write('00000000000\0', 136);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

export interface StreamedLayer {
  /** Compressed size, known without generating the stream. */
  readonly size: number;
  /** Bytes of tar it inflates to. */
  readonly tarSize: number;
  /** A fresh stream of the layer's bytes. */
  open(): Readable;
  /** Whole layer in memory (only for layers of a few tens of MB). */
  bytes(): Buffer;
  digest(): string;
}

/**
 * A gzip layer of one file `name` whose content is `block` repeated to `fileSize` bytes (a
 * multiple of the block size), as a sequence of gzip members: header, the same member of one
 * block again and again, the end of the archive.
 */
export function gzipFileLayer(options: { fileSize: number; block: Buffer; name?: string }): StreamedLayer {
  const { fileSize, block } = options;
  if (fileSize % block.length !== 0 || block.length % 512 !== 0) throw new Error('fileSize must be whole blocks');
  const head = gzipSync(fileHeader(options.name ?? 'zeros', fileSize));
  const member = gzipSync(block, { level: 9 });
  const tail = gzipSync(Buffer.alloc(1024));
  const repeats = fileSize / block.length;
  const size = head.length + repeats * member.length + tail.length;
  const open = (): Readable => {
    let sent = -1;
    return new Readable({
      read() {
        // 64 members per push: about what a network read hands over.
        if (sent === -1) {
          this.push(head);
          sent = 0;
          return;
        }
        if (sent === repeats) {
          this.push(tail);
          this.push(null);
          sent++;
          return;
        }
        const n = Math.min(64, repeats - sent);
        this.push(Buffer.concat(Array.from({ length: n }, () => member)));
        sent += n;
      },
    });
  };
  let digest: string | undefined;
  const bytes = (): Buffer => Buffer.concat([head, ...Array.from({ length: repeats }, () => member), tail]);
  return {
    size,
    tarSize: 512 + fileSize + 1024,
    open,
    bytes,
    digest: () => (digest ??= `sha256:${createHash('sha256').update(bytes()).digest('hex')}`),
  };
}

export type ZstdBlock =
  | { type: 'raw'; data: Buffer }
  | { type: 'rle'; byte: number; size: number }
  /** A block header with any type and size bits, followed by `data`. */
  | { type: 'custom'; typeBits: number; size: number; data: Buffer };

/** One zstd frame written by hand: header as asked, then the blocks (the last one marked last). */
export function zstdFrame(options: {
  windowLog?: number;
  windowMantissa?: number;
  /** Single-segment frame: the window is the content size. */
  singleSegmentSize?: number;
  blocks: ZstdBlock[];
  /** Stored low 32 bits of XXH64 (no checksum when absent). */
  checksum?: number;
  dictionaryId?: number;
}): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd])];
  const single = options.singleSegmentSize !== undefined;
  const dictionaryFlag = options.dictionaryId !== undefined ? 3 : 0;
  const fcsFlag = single ? 3 : 0; // 8-byte content size when single segment
  const descriptor =
    (fcsFlag << 6) | ((single ? 1 : 0) << 5) | ((options.checksum !== undefined ? 1 : 0) << 2) | dictionaryFlag;
  parts.push(Buffer.from([descriptor]));
  if (!single) parts.push(Buffer.from([(((options.windowLog ?? 20) - 10) << 3) | (options.windowMantissa ?? 0)]));
  if (options.dictionaryId !== undefined) {
    const d = Buffer.alloc(4);
    d.writeUInt32LE(options.dictionaryId);
    parts.push(d);
  }
  if (single) {
    const fcs = Buffer.alloc(8);
    fcs.writeBigUInt64LE(BigInt(options.singleSegmentSize ?? 0));
    parts.push(fcs);
  }
  options.blocks.forEach((block, i) => {
    const last = i === options.blocks.length - 1 ? 1 : 0;
    const [typeBits, size, data] =
      block.type === 'raw'
        ? [0, block.data.length, block.data]
        : block.type === 'rle'
          ? [1, block.size, Buffer.from([block.byte])]
          : [block.typeBits, block.size, block.data];
    const header = last | (typeBits << 1) | (size << 3);
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), data);
  });
  if (options.checksum !== undefined) {
    const c = Buffer.alloc(4);
    c.writeUInt32LE(options.checksum >>> 0);
    parts.push(c);
  }
  return Buffer.concat(parts);
}

/** A skippable frame (magic 0x184D2A5?) carrying `payload`. */
export function skippableFrame(payload: Buffer, nibble = 0xa): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE((0x184d2a50 | nibble) >>> 0, 0);
  head.writeUInt32LE(payload.length, 4);
  return Buffer.concat([head, payload]);
}

/** A Readable over `bytes` in chunks of `size` (1 for byte-at-a-time). */
export function chunked(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks, { objectMode: false });
}
