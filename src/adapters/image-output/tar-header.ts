/** Minimal ustar headers for the archives we write (names we choose, always under 100 bytes). */
const BLOCK = 512;
const MAX_OCTAL_SIZE = 8 ** 11 - 1;

function putString(block: Buffer, text: string, offset: number, width: number): void {
  Buffer.from(text, 'utf8').subarray(0, width).copy(block, offset);
}

function putOctal(block: Buffer, value: number, offset: number, width: number): void {
  putString(block, `${value.toString(8).padStart(width - 1, '0')}\0`, offset, width);
}

/** Sizes past 8 GiB use the GNU base-256 form, which every reader we target understands. */
function putSize(block: Buffer, size: number, offset: number): void {
  if (size <= MAX_OCTAL_SIZE) {
    putOctal(block, size, offset, 12);
    return;
  }
  let value = BigInt(size);
  for (let i = offset + 11; i > offset; i--) {
    block[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  block[offset] = 0x80;
}

export function regularFileHeader(name: string, size: number, mtimeSeconds = 0): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  const block = Buffer.alloc(BLOCK);
  putString(block, name, 0, 100);
  putOctal(block, 0o644, 100, 8);
  putOctal(block, 0, 108, 8);
  putOctal(block, 0, 116, 8);
  putSize(block, size, 124);
  putOctal(block, mtimeSeconds, 136, 12);
  block.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  putString(block, '0', 156, 1);
  putString(block, 'ustar\0', 257, 6);
  putString(block, '00', 263, 2);
  let sum = 0;
  for (const byte of block) sum += byte;
  putString(block, `${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return block;
}

export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);
