/**
 * A tiny ustar writer for test layers. It writes names verbatim, so it can also produce hostile
 * archives (`../escape`, `/abs`, whiteouts `.wh.x`, `.wh..wh..opq`, links pointing outside).
 * Names or link targets over 100 bytes get a PAX `x` header (path / linkpath).
 *
 *   writeTar(entries: TarEntry[]) → Buffer   (deterministic: same entries, same bytes)
 */
export type TarEntryType = 'file' | 'dir' | 'symlink' | 'link' | 'char' | 'block' | 'fifo';

export interface TarEntry {
  path: string;
  type?: TarEntryType;
  content?: Buffer | string;
  /** Permission bits, e.g. 0o755. Defaults: 0o644 files, 0o755 dirs, 0o777 symlinks. */
  mode?: number;
  /** Seconds since epoch (default 0) or a Date. */
  mtime?: number | Date;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

const TYPEFLAG: Record<TarEntryType, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(fields: {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
}): Buffer {
  const h = Buffer.alloc(512);
  const put = (text: string, offset: number, width: number): void => {
    Buffer.from(text, 'utf8').subarray(0, width).copy(h, offset);
  };
  put(fields.name, 0, 100);
  put(octal(fields.mode, 8), 100, 8);
  put(octal(fields.uid, 8), 108, 8);
  put(octal(fields.gid, 8), 116, 8);
  put(octal(fields.size, 12), 124, 12);
  put(octal(fields.mtime, 12), 136, 12);
  put('        ', 148, 8);
  put(fields.typeflag, 156, 1);
  put(fields.linkname, 157, 100);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put(fields.uname, 265, 32);
  put(fields.gname, 297, 32);
  put(octal(fields.devmajor, 8), 329, 8);
  put(octal(fields.devminor, 8), 337, 8);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

function padded(data: Buffer): Buffer[] {
  const rest = data.length % 512;
  return rest === 0 ? [data] : [data, Buffer.alloc(512 - rest)];
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

export function writeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? 'file';
    const content = type === 'file' ? Buffer.from(e.content ?? '') : Buffer.alloc(0);
    const mtime = e.mtime instanceof Date ? Math.floor(e.mtime.getTime() / 1000) : (e.mtime ?? 0);
    const linkname = e.linkname ?? '';
    const defaultMode = type === 'dir' ? 0o755 : type === 'symlink' ? 0o777 : 0o644;
    const common = {
      mode: e.mode ?? defaultMode,
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime,
      uname: e.uname ?? '',
      gname: e.gname ?? '',
      devmajor: e.devmajor ?? 0,
      devminor: e.devminor ?? 0,
    };
    let pax = '';
    if (Buffer.byteLength(e.path) > 100) pax += paxRecord('path', e.path);
    if (Buffer.byteLength(linkname) > 100) pax += paxRecord('linkpath', linkname);
    if (pax !== '') {
      const paxBytes = Buffer.from(pax, 'utf8');
      parts.push(
        header({ ...common, name: 'PaxHeaders/entry', size: paxBytes.length, typeflag: 'x', linkname: '' }),
        ...padded(paxBytes),
      );
    }
    parts.push(header({ ...common, name: e.path, size: content.length, typeflag: TYPEFLAG[type], linkname }));
    if (content.length > 0) parts.push(...padded(content));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
