import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { FilesystemError } from '../../ports/filesystem-port';

/** Where one regular file's bytes sit inside a tar file. */
export interface TarEntryLocation {
  readonly offset: number;
  readonly size: number;
}

const BLOCK = 512;

function readString(block: Buffer, start: number, length: number): string {
  const slice = block.subarray(start, start + length);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul === -1 ? slice.length : nul).toString('utf8');
}

function readNumber(block: Buffer, start: number, length: number): number {
  const field = block.subarray(start, start + length);
  // GNU base-256 encoding for sizes of 8 GiB and more.
  if ((field[0] ?? 0) & 0x80) {
    let value = (field[0] ?? 0) & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    return value;
  }
  const text = readString(block, start, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function isZeroBlock(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

function checksumOk(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return sum === readNumber(block, 148, 8);
}

/** `./a/b/` and `a/b` name the same member. */
export function normalizeTarName(name: string): string {
  let n = posix.normalize(name.replace(/^(\.\/)+/, ''));
  if (n.endsWith('/')) n = n.slice(0, -1);
  return n === '.' ? '' : n;
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const length = parseInt(data.subarray(pos, space).toString('ascii'), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return out;
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/**
 * Index a tar file's regular members by reading only their headers (one pread per member), so a
 * multi-gigabyte archive is indexed without reading its contents. Symlinks and hard links to
 * members are resolved to the target's bytes.
 */
export async function indexTar(path: string): Promise<Map<string, TarEntryLocation>> {
  const entries = new Map<string, TarEntryLocation>();
  const links: Array<{ name: string; target: string }> = [];
  const file = await open(path, 'r');
  try {
    const fileSize = (await file.stat()).size;
    let position = 0;
    let longName: string | undefined;
    let pax: Record<string, string> = {};
    while (position + BLOCK <= fileSize) {
      const header = await readAt(file, position, BLOCK);
      if (header.length < BLOCK || isZeroBlock(header)) break;
      if (!checksumOk(header)) {
        throw new FilesystemError(`${path} is not a valid tar file (bad header checksum at byte ${position})`);
      }
      const type = String.fromCharCode(header[156] ?? 0);
      const size = pax.size !== undefined ? Number(pax.size) : readNumber(header, 124, 12);
      const dataOffset = position + BLOCK;
      position = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'L' || type === 'x') {
        const data = await readAt(file, dataOffset, size);
        if (type === 'L') longName = readString(data, 0, data.length);
        else pax = { ...pax, ...parsePax(data) };
        continue;
      }
      if (type === 'g' || type === 'K') continue;
      const prefix = readString(header, 345, 155);
      const rawName =
        pax.path ?? longName ?? (prefix ? `${prefix}/${readString(header, 0, 100)}` : readString(header, 0, 100));
      const linkName = pax.linkpath ?? readString(header, 157, 100);
      longName = undefined;
      pax = {};
      const name = normalizeTarName(rawName);
      if (type === '0' || type === '\0' || type === '7') entries.set(name, { offset: dataOffset, size });
      else if (type === '1') links.push({ name, target: normalizeTarName(linkName) });
      else if (type === '2') links.push({ name, target: normalizeTarName(posix.join(posix.dirname(name), linkName)) });
    }
  } finally {
    await file.close();
  }
  // Links may point at links; a few passes resolve any sane chain.
  for (let pass = 0; pass < 8 && links.length > 0; pass++) {
    for (let i = links.length - 1; i >= 0; i--) {
      const link = links[i] as { name: string; target: string };
      const target = entries.get(link.target);
      if (target) {
        entries.set(link.name, target);
        links.splice(i, 1);
      }
    }
  }
  return entries;
}
