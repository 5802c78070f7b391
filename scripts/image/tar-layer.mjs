// A deterministic tar writer for image layers: the same entries give the same bytes.
//
//   writeLayer(entries, file, { mtime }) → { digest, diffId, size, unpackedSize, entries }
//
// Entries are { path, type: 'dir' | 'file' | 'symlink', mode?, uid?, gid?, source? | content?, target? }
// with `path` relative to the image root ('usr/local/bin/node'). They are written sorted by path,
// every header with the same mtime, uid/gid 0 unless an entry says otherwise, no user or group
// names, no device numbers. Regular files are streamed from `source` (never held in memory).
// The tar stream is gzipped by Node's zlib at a fixed level with no name and mtime 0 in the gzip
// header; the digest (sha256 of the gzip) and diff_id (sha256 of the tar) are computed on the way.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export const GZIP_LEVEL = 6;
const BLOCK = 512;

function octal(value, width) {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`tar: ${value} does not fit in ${width} octal bytes`);
  return digits.padStart(width - 1, '0') + '\0';
}

/** ustar splits a long name into prefix (≤155) + name (≤100) at a '/'; undefined when it cannot. */
function splitName(name) {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100) return { prefix, name: rest };
  }
  return undefined;
}

/** One PAX record: "LEN key=value\n", LEN counting itself. */
function paxRecord(key, value) {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

/**
 * The header block(s) for one entry: ustar, preceded by a PAX extended header carrying `path` /
 * `linkpath` when they do not fit ustar's fields (a long name under node_modules, say).
 */
function header(fields) {
  const { name, linkname = '', mtime } = fields;
  const split = splitName(name);
  const longLink = Buffer.byteLength(linkname) > 100;
  if (split && !longLink) return ustarHeader(fields, split);
  const records = (split ? '' : paxRecord('path', name)) + (longLink ? paxRecord('linkpath', linkname) : '');
  const body = Buffer.from(records, 'utf8');
  const pad = body.length % BLOCK === 0 ? 0 : BLOCK - (body.length % BLOCK);
  const paxName = `PaxHeader/${name.split('/').pop().slice(0, 80)}`;
  const pax = ustarHeader(
    { name: paxName, mode: 0o644, uid: 0, gid: 0, size: body.length, mtime, type: 'x' },
    { prefix: '', name: paxName },
  );
  const short = split ?? { prefix: '', name: name.slice(0, 100) };
  const main = ustarHeader({ ...fields, linkname: longLink ? linkname.slice(0, 100) : linkname }, short);
  return Buffer.concat([pax, body, Buffer.alloc(pad), main]);
}

function ustarHeader({ mode, uid, gid, size, mtime, type, linkname = '' }, split) {
  const h = Buffer.alloc(BLOCK);
  h.write(split.name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 8, 'ascii');
  h.write(octal(uid, 8), 108, 8, 'ascii');
  h.write(octal(gid, 8), 116, 8, 'ascii');
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(mtime, 12), 136, 12, 'ascii');
  h.fill(' ', 148, 156);
  h.write(type, 156, 1, 'ascii');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write(split.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

const TYPE = { file: '0', symlink: '2', dir: '5' };

/** Normalised permissions: what the entry says, else 0755 for directories and executables, 0644 otherwise. */
function modeOf(entry, statMode) {
  if (entry.mode !== undefined) return entry.mode;
  if (entry.type === 'dir') return 0o755;
  if (entry.type === 'symlink') return 0o777;
  return statMode !== undefined && (statMode & 0o111) !== 0 ? 0o755 : 0o644;
}

/** Adds the parent directories an entry list leaves out, so every path has its parents. */
export function withParents(entries) {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  for (const entry of entries) {
    const parts = entry.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!byPath.has(dir)) byPath.set(dir, { path: dir, type: 'dir' });
    }
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function hashing(hash, counter) {
  return new Transform({
    transform(chunk, _enc, done) {
      hash.update(chunk);
      counter.bytes += chunk.length;
      done(null, chunk);
    },
  });
}

async function* tarStream(entries, mtime, listing) {
  for (const entry of entries) {
    const name = entry.type === 'dir' ? `${entry.path}/` : entry.path;
    if (entry.type === 'file') {
      let size;
      let statMode;
      if (entry.source !== undefined) {
        const st = await lstat(entry.source);
        if (!st.isFile()) throw new Error(`tar: ${entry.source} is not a regular file`);
        size = st.size;
        statMode = st.mode;
      } else {
        size = Buffer.byteLength(entry.content);
      }
      const mode = modeOf(entry, statMode);
      listing.push({ path: entry.path, type: 'file', mode, size });
      yield header({ name, mode, uid: entry.uid ?? 0, gid: entry.gid ?? 0, size, mtime, type: TYPE.file });
      let written = 0;
      if (entry.source !== undefined) {
        for await (const chunk of createReadStream(entry.source)) {
          written += chunk.length;
          yield chunk;
        }
      } else {
        const body = Buffer.from(entry.content);
        written = body.length;
        yield body;
      }
      if (written !== size) throw new Error(`tar: ${entry.path} changed size while being read`);
      if (size % BLOCK !== 0) yield Buffer.alloc(BLOCK - (size % BLOCK));
    } else {
      const mode = modeOf(entry);
      listing.push({ path: entry.path, type: entry.type, mode, target: entry.target });
      yield header({
        name,
        mode,
        uid: entry.uid ?? 0,
        gid: entry.gid ?? 0,
        size: 0,
        mtime,
        type: TYPE[entry.type],
        linkname: entry.target ?? '',
      });
    }
  }
  yield Buffer.alloc(BLOCK * 2);
}

/** Writes `entries` as a gzipped tar to `file`; returns its digests and sizes. */
export async function writeLayer(entries, file, { mtime = 0 } = {}) {
  const sorted = withParents(entries);
  const tarHash = createHash('sha256');
  const gzHash = createHash('sha256');
  const tarCount = { bytes: 0 };
  const gzCount = { bytes: 0 };
  const listing = [];
  await pipeline(
    tarStream(sorted, mtime, listing),
    hashing(tarHash, tarCount),
    createGzip({ level: GZIP_LEVEL }),
    hashing(gzHash, gzCount),
    createWriteStream(file),
  );
  return {
    digest: `sha256:${gzHash.digest('hex')}`,
    diffId: `sha256:${tarHash.digest('hex')}`,
    size: gzCount.bytes,
    tarSize: tarCount.bytes,
    unpackedSize: listing.reduce((n, e) => n + (e.size ?? 0), 0),
    entries: listing,
  };
}
