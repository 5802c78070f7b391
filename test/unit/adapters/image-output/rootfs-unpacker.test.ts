import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ResourceError, UnsafeContentError, DigestMismatchError } from '../../../../src/domain/errors';
import { layerFromFiles, sha256Digest, type Layer } from '../../../integration/support/image-fixtures';
import { fixture, tempDir } from './unpack-fixture';
import { NotFoundError, RegistryError } from '../../../../src/ports/registry-errors';

const isRoot = process.getuid?.() === 0;

async function unpack(layers: Layer[], options: Parameters<typeof fixture>[1] = {}): Promise<string> {
  const f = fixture(layers, options);
  await f.output.writeRootfs(f.dest, f.image);
  return f.rootfs;
}

async function unpackError(layers: Layer[], options: Parameters<typeof fixture>[1] = {}): Promise<ResourceError> {
  const f = fixture(layers, options);
  const error = await f.output.writeRootfs(f.dest, f.image).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ResourceError);
  return error as ResourceError;
}

function rawLayer(bytes: Buffer): Layer {
  return {
    bytes,
    digest: sha256Digest(bytes),
    diffId: sha256Digest(bytes),
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    size: bytes.length,
    compression: 'gzip',
    tar: bytes,
  };
}

describe('rootfs unpacking: files, modes, times, owners', () => {
  it('restores content, permission bits (setuid included), mtimes of files, dirs and links, and owners as root', async () => {
    const rootfs = await unpack([
      layerFromFiles([
        { path: 'usr/', type: 'dir', mode: 0o755, mtime: 1000 },
        { path: 'usr/bin/', type: 'dir', mode: 0o750, mtime: 2000, uid: 10, gid: 20 },
        { path: 'usr/bin/tool', content: '#!/bin/sh\n', mode: 0o4755, mtime: 1234567890, uid: 1234, gid: 5678 },
        { path: 'usr/bin/alias', type: 'symlink', linkname: 'tool', mtime: 1500, uid: 7, gid: 8 },
        { path: 'secret', content: 'x', mode: 0o600, mtime: 42 },
      ]),
    ]);
    const tool = statSync(join(rootfs, 'usr/bin/tool'));
    expect(readFileSync(join(rootfs, 'usr/bin/tool'), 'utf8')).toBe('#!/bin/sh\n');
    expect(tool.mode & 0o7777).toBe(0o4755);
    expect(tool.mtimeMs).toBe(1234567890_000);
    expect(statSync(join(rootfs, 'secret')).mode & 0o7777).toBe(0o600);
    const bin = statSync(join(rootfs, 'usr/bin'));
    expect(bin.mode & 0o7777).toBe(0o750);
    expect(bin.mtimeMs).toBe(2000_000);
    expect(statSync(join(rootfs, 'usr')).mtimeMs).toBe(1000_000);
    const alias = lstatSync(join(rootfs, 'usr/bin/alias'));
    expect(alias.isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(rootfs, 'usr/bin/alias'))).toBe('tool');
    expect(alias.mtimeMs).toBe(1500_000);
    if (isRoot) {
      expect([tool.uid, tool.gid]).toEqual([1234, 5678]);
      expect([bin.uid, bin.gid]).toEqual([10, 20]);
      expect([alias.uid, alias.gid]).toEqual([7, 8]);
    } else {
      expect(tool.uid).toBe(process.getuid?.());
    }
  });

  it('keeps a lower directory’s mtime when a later layer adds, replaces or whites out its children (as umoci does)', async () => {
    const rootfs = await unpack([
      layerFromFiles([
        { path: 'etc/', type: 'dir', mtime: 1000 },
        { path: 'etc/a', content: 'a' },
        { path: 'etc/b', content: 'b' },
        { path: 'opt/', type: 'dir', mtime: 2000 },
        { path: 'opt/x', content: 'x' },
      ]),
      layerFromFiles([
        { path: 'etc/.wh.a' },
        { path: 'etc/b', content: 'B' },
        { path: 'etc/c', content: 'c' },
        { path: 'opt/.wh..wh..opq' },
      ]),
      // A layer that has an entry for the directory sets its time.
      layerFromFiles([
        { path: 'opt/', type: 'dir', mtime: 3000 },
        { path: 'opt/y', content: 'y' },
      ]),
    ]);
    expect(readdirSync(join(rootfs, 'etc')).sort()).toEqual(['b', 'c']);
    expect(statSync(join(rootfs, 'etc')).mtimeMs).toBe(1000_000);
    expect(statSync(join(rootfs, 'opt')).mtimeMs).toBe(3000_000);
  });

  it('keeps read-only directories enterable and writable for later layers when not restoring owners (rootless)', async () => {
    const layers = [
      layerFromFiles([
        { path: 'ro/', type: 'dir', mode: 0o555 },
        { path: 'ro/a', content: 'a' },
      ]),
      layerFromFiles([{ path: 'ro/b', content: 'b' }]),
    ];
    const rootless = await unpack(layers, { chown: false });
    expect(statSync(join(rootless, 'ro')).mode & 0o7777).toBe(0o755);
    expect(readdirSync(join(rootless, 'ro')).sort()).toEqual(['a', 'b']);
    if (isRoot) {
      const exact = await unpack(layers, { chown: true });
      expect(statSync(join(exact, 'ro')).mode & 0o7777).toBe(0o555);
    }
  });

  it('writes large files (the asynchronous path) completely, with their modes and times, in order with small ones', async () => {
    const pattern = (n: number, seed: number) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = (i * seed + (i >> 13)) % 256;
      return b;
    };
    const big1 = pattern(3 * 1024 * 1024 + 17, 7);
    const big2 = pattern(2 * 1024 * 1024, 13);
    const rootfs = await unpack([
      layerFromFiles([
        { path: 'big1', content: big1, mode: 0o751, mtime: 111 },
        { path: 'small', content: 'small', mtime: 222 },
        { path: 'big2', content: big2, mode: 0o600, mtime: 333 },
        { path: 'big1-link', type: 'link', linkname: 'big1' },
      ]),
      layerFromFiles([{ path: 'big2', content: big1, mode: 0o644, mtime: 444 }]),
    ]);
    expect(readFileSync(join(rootfs, 'big1')).equals(big1)).toBe(true);
    expect(readFileSync(join(rootfs, 'big2')).equals(big1)).toBe(true);
    expect(readFileSync(join(rootfs, 'small'), 'utf8')).toBe('small');
    expect(statSync(join(rootfs, 'big1')).mode & 0o7777).toBe(0o751);
    expect(statSync(join(rootfs, 'big1')).mtimeMs).toBe(111_000);
    expect(statSync(join(rootfs, 'big2')).mtimeMs).toBe(444_000);
    expect(statSync(join(rootfs, 'big1-link')).ino).toBe(statSync(join(rootfs, 'big1')).ino);
  });

  it('skips device nodes and FIFOs as the Go resource does, and accepts an empty layer', async () => {
    const empty = rawLayer(gzipSync(Buffer.alloc(1024)));
    const rootfs = await unpack([
      empty,
      layerFromFiles([
        { path: 'dev/', type: 'dir' },
        { path: 'dev/null', type: 'char', devmajor: 1, devminor: 3 },
        { path: 'dev/sda', type: 'block', devmajor: 8, devminor: 0 },
        { path: 'dev/pipe', type: 'fifo' },
        { path: 'dev/keep', content: 'k' },
      ]),
    ]);
    expect(readdirSync(join(rootfs, 'dev'))).toEqual(['keep']);
  });

  it('detects compression from the bytes: gzip, zstd and plain tar, even under a wrong media type', async () => {
    const files = (n: string) => [{ path: `${n}.txt`, content: `content of ${n}\n` }];
    const rootfs = await unpack(
      [
        layerFromFiles(files('gz'), { compression: 'gzip' }),
        layerFromFiles(files('zst'), { compression: 'zstd' }),
        layerFromFiles(files('plain'), { compression: 'none' }),
      ],
      // The zstd layer announced as gzip, the plain one as gzip too.
      {
        mediaTypes: {
          1: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
          2: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        },
      },
    );
    expect(readFileSync(join(rootfs, 'gz.txt'), 'utf8')).toBe('content of gz\n');
    expect(readFileSync(join(rootfs, 'zst.txt'), 'utf8')).toBe('content of zst\n');
    expect(readFileSync(join(rootfs, 'plain.txt'), 'utf8')).toBe('content of plain\n');
  });
});

describe('rootfs unpacking: layers, whiteouts, opaque directories, links', () => {
  it('applies whiteouts to lower layers only', async () => {
    const rootfs = await unpack([
      layerFromFiles([
        { path: 'etc/', type: 'dir' },
        { path: 'etc/gone', content: 'old' },
        { path: 'etc/dir/', type: 'dir' },
        { path: 'etc/dir/child', content: 'c' },
        { path: 'etc/stays', content: 's' },
      ]),
      layerFromFiles([
        { path: 'etc/.wh.gone' },
        { path: 'etc/.wh.dir' },
        { path: 'etc/new', content: 'n' },
        // A whiteout never hides an entry of its own layer.
        { path: 'etc/.wh.new' },
      ]),
    ]);
    expect(readdirSync(join(rootfs, 'etc')).sort()).toEqual(['new', 'stays']);
  });

  it('empties an opaque directory of lower content but keeps its own layer’s entries, wherever the marker sits', async () => {
    const rootfs = await unpack([
      layerFromFiles([
        { path: 'opt/', type: 'dir' },
        { path: 'opt/app/', type: 'dir' },
        { path: 'opt/app/old-a', content: 'a' },
        { path: 'opt/app/old-dir/', type: 'dir' },
        { path: 'opt/app/old-dir/x', content: 'x' },
        { path: 'opt/other', content: 'o' },
      ]),
      layerFromFiles([
        { path: 'opt/app/', type: 'dir' },
        { path: 'opt/app/fresh', content: 'f' },
        { path: 'opt/app/.wh..wh..opq' },
      ]),
    ]);
    expect(readdirSync(join(rootfs, 'opt/app'))).toEqual(['fresh']);
    expect(readFileSync(join(rootfs, 'opt/other'), 'utf8')).toBe('o');
  });

  it('produces the tree of the Go resource’s whiteout fixture (one layer per RUN, as overlay2 diffs them)', async () => {
    const d = (path: string) => ({ path, type: 'dir' as const });
    const f = (path: string) => ({ path, content: '' });
    const rootfs = await unpack([
      layerFromFiles([d('top-dir-1/')]),
      layerFromFiles([d('top-dir-1/'), f('top-dir-1/nested-file')]),
      layerFromFiles([d('top-dir-1/'), d('top-dir-1/nested-dir/')]),
      layerFromFiles([d('top-dir-1/'), d('top-dir-1/nested-dir/'), f('top-dir-1/nested-dir/file-gone')]),
      layerFromFiles([d('top-dir-1/'), d('top-dir-1/nested-dir/'), f('top-dir-1/nested-dir/file-recreated')]),
      layerFromFiles([d('top-dir-1/'), d('top-dir-1/nested-dir/'), f('top-dir-1/nested-dir/file-then-dir')]),
      layerFromFiles([d('top-dir-1/'), f('top-dir-1/.wh.nested-dir')]),
      layerFromFiles([d('top-dir-1/'), d('top-dir-1/nested-dir/'), f('top-dir-1/nested-dir/.wh..wh..opq')]),
      layerFromFiles([d('top-dir-1/'), d('top-dir-1/nested-dir/'), f('top-dir-1/nested-dir/file-here')]),
      layerFromFiles([d('top-dir-1/'), d('top-dir-1/nested-dir/'), f('top-dir-1/nested-dir/file-recreated')]),
      layerFromFiles([d('top-dir-1/'), d('top-dir-1/nested-dir/'), d('top-dir-1/nested-dir/file-then-dir/')]),
      layerFromFiles([d('top-dir-2/')]),
      layerFromFiles([d('top-dir-2/'), f('top-dir-2/file-gone')]),
      layerFromFiles([d('top-dir-2/'), d('top-dir-2/nested-dir-gone/')]),
      layerFromFiles([
        d('top-dir-2/'),
        d('top-dir-2/nested-dir-gone/'),
        f('top-dir-2/nested-dir-gone/nested-file-gone'),
      ]),
      layerFromFiles([f('.wh.top-dir-2')]),
      layerFromFiles([d('top-dir-3/'), d('top-dir-3/nested-dir-gone/')]),
      layerFromFiles([d('top-dir-3/'), f('top-dir-3/.wh..wh..opq'), d('top-dir-3/nested-dir/')]),
    ]);
    const tree = (dir: string, prefix = ''): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory()
          ? [`${prefix}${e.name}/`, ...tree(join(dir, e.name), `${prefix}${e.name}/`)]
          : [`${prefix}${e.name}`],
      );
    expect(tree(rootfs).sort()).toEqual([
      'top-dir-1/',
      'top-dir-1/nested-dir/',
      'top-dir-1/nested-dir/file-here',
      'top-dir-1/nested-dir/file-recreated',
      'top-dir-1/nested-dir/file-then-dir/',
      'top-dir-1/nested-file',
      'top-dir-3/',
      'top-dir-3/nested-dir/',
    ]);
  });

  it('creates hardlinks sharing one inode, and keeps a hardlink whose target a later layer removes', async () => {
    const rootfs = await unpack([
      layerFromFiles([
        { path: 'bin/', type: 'dir' },
        { path: 'bin/busybox', content: 'BB', mode: 0o755 },
        { path: 'bin/sh', type: 'link', linkname: 'bin/busybox' },
        { path: 'bin/ls', type: 'link', linkname: './bin/busybox' },
      ]),
      layerFromFiles([{ path: 'bin/.wh.busybox' }]),
    ]);
    expect(existsSync(join(rootfs, 'bin/busybox'))).toBe(false);
    expect(readFileSync(join(rootfs, 'bin/sh'), 'utf8')).toBe('BB');
    expect(statSync(join(rootfs, 'bin/sh')).ino).toBe(statSync(join(rootfs, 'bin/ls')).ino);
    expect(statSync(join(rootfs, 'bin/sh')).nlink).toBe(2);
  });

  it('replaces a file that has hardlinks without changing the other names', async () => {
    const rootfs = await unpack([
      layerFromFiles([
        { path: 'a', content: 'old' },
        { path: 'b', type: 'link', linkname: 'a' },
      ]),
      layerFromFiles([{ path: 'a', content: 'new' }]),
    ]);
    expect(readFileSync(join(rootfs, 'a'), 'utf8')).toBe('new');
    expect(readFileSync(join(rootfs, 'b'), 'utf8')).toBe('old');
  });

  it('replaces a symlink by a regular file without writing through the link', async () => {
    const outside = join(tempDir('ri-outside-'), 'victim');
    writeFileSync(outside, 'untouched');
    const rootfs = await unpack([
      layerFromFiles([
        { path: 'etc/', type: 'dir' },
        { path: 'etc/passwd', type: 'symlink', linkname: outside },
      ]),
      layerFromFiles([{ path: 'etc/passwd', content: 'root:x:0:0\n' }]),
    ]);
    expect(readFileSync(outside, 'utf8')).toBe('untouched');
    expect(lstatSync(join(rootfs, 'etc/passwd')).isFile()).toBe(true);
    expect(readFileSync(join(rootfs, 'etc/passwd'), 'utf8')).toBe('root:x:0:0\n');
  });

  it('replaces directories by files and files by directories across layers', async () => {
    const rootfs = await unpack([
      layerFromFiles([
        { path: 'x/', type: 'dir' },
        { path: 'x/inner', content: 'i' },
        { path: 'y', content: 'file' },
      ]),
      layerFromFiles([
        { path: 'x', content: 'now a file' },
        { path: 'y/', type: 'dir' },
        { path: 'y/z', content: 'z' },
      ]),
    ]);
    expect(readFileSync(join(rootfs, 'x'), 'utf8')).toBe('now a file');
    expect(readFileSync(join(rootfs, 'y/z'), 'utf8')).toBe('z');
  });

  it('follows symlinked directories inside the rootfs (merged /usr), relative and absolute', async () => {
    const rootfs = await unpack([
      layerFromFiles([
        { path: 'usr/', type: 'dir' },
        { path: 'usr/lib/', type: 'dir' },
        { path: 'usr/bin/', type: 'dir' },
        { path: 'lib', type: 'symlink', linkname: 'usr/lib' },
        { path: 'bin', type: 'symlink', linkname: '/usr/bin' },
      ]),
      layerFromFiles([
        { path: 'lib/libc.so', content: 'libc' },
        { path: 'bin/true', content: 'true' },
      ]),
    ]);
    expect(readFileSync(join(rootfs, 'usr/lib/libc.so'), 'utf8')).toBe('libc');
    expect(readFileSync(join(rootfs, 'usr/bin/true'), 'utf8')).toBe('true');
    expect(lstatSync(join(rootfs, 'lib')).isSymbolicLink()).toBe(true);
  });
});

describe('rootfs unpacking: hostile layers', () => {
  it('refuses an entry with ../ and writes nothing outside', async () => {
    const f = fixture([layerFromFiles([{ path: '../escape', content: 'x' }])]);
    const error = await f.output.writeRootfs(f.dest, f.image).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect((error as Error).message).toMatch(
      /layer 1\/1 \(sha256:[0-9a-f]{64}\): entry "\.\.\/escape" points outside the rootfs/,
    );
    expect(existsSync(join(f.dest, 'escape'))).toBe(false);
  });

  it('keeps absolute entry names inside the rootfs', async () => {
    const rootfs = await unpack([layerFromFiles([{ path: '/etc/hostname', content: 'h' }])]);
    expect(readFileSync(join(rootfs, 'etc/hostname'), 'utf8')).toBe('h');
  });

  it('refuses to write through a symlink that climbs out of the rootfs', async () => {
    const error = await unpackError([
      layerFromFiles([{ path: 'evil', type: 'symlink', linkname: '../../../../../../tmp' }]),
      layerFromFiles([{ path: 'evil/planted', content: 'x' }]),
    ]);
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect(error.message).toMatch(/"evil\/planted" resolves through a symlink to outside the rootfs/);
  });

  it('resolves an absolute symlinked parent inside the rootfs, never on the host', async () => {
    const outsideDir = tempDir('ri-outside-');
    const rootfs = await unpack([
      layerFromFiles([{ path: 'evil', type: 'symlink', linkname: outsideDir }]),
      layerFromFiles([{ path: 'evil/planted', content: 'x' }]),
    ]);
    expect(readdirSync(outsideDir)).toEqual([]);
    expect(readFileSync(join(rootfs, outsideDir, 'planted'), 'utf8')).toBe('x');
  });

  it('never applies a directory’s mode or times through a symlink that replaced it later in the layer', async () => {
    const outsideDir = tempDir('ri-outside-');
    chmodSync(outsideDir, 0o700);
    utimesSync(outsideDir, 5000, 5000);
    const rootfs = await unpack([
      layerFromFiles([
        { path: 'base/', type: 'dir', mtime: 100 },
        { path: 'base/f', content: 'f' },
      ]),
      layerFromFiles([
        { path: 'd/', type: 'dir', mode: 0o777, mtime: 1 },
        { path: 'base/g', content: 'g' },
        { path: 'd', type: 'symlink', linkname: outsideDir },
        { path: 'base', type: 'symlink', linkname: outsideDir },
      ]),
    ]);
    expect(statSync(outsideDir).mode & 0o7777).toBe(0o700);
    expect(statSync(outsideDir).mtimeMs).toBe(5000_000);
    expect(lstatSync(join(rootfs, 'd')).isSymbolicLink()).toBe(true);
  });

  it('refuses hardlinks to files outside the rootfs', async () => {
    const error = await unpackError([
      layerFromFiles([{ path: 'stolen', type: 'link', linkname: '../../../etc/passwd' }]),
    ]);
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect(error.message).toContain('hardlink target of "stolen"');
  });

  it('does not follow a symlink to apply a whiteout outside the rootfs', async () => {
    const outsideDir = tempDir('ri-outside-');
    writeFileSync(join(outsideDir, 'victim'), 'v');
    mkdirSync(join(outsideDir, 'victim-dir'));
    const rootfs = await unpack([
      layerFromFiles([{ path: 'link', type: 'symlink', linkname: outsideDir }]),
      layerFromFiles([{ path: 'link/.wh.victim' }, { path: 'link/.wh.victim-dir' }, { path: 'link/.wh..wh..opq' }]),
    ]);
    expect(readdirSync(outsideDir).sort()).toEqual(['victim', 'victim-dir']);
    expect(lstatSync(join(rootfs, 'link')).isSymbolicLink()).toBe(true);
  });

  it('stops a layer expanding past 100× the compressed bytes read, once past the floor', async () => {
    const bomb = layerFromFiles([{ path: 'zeros', content: Buffer.alloc(4 * 1024 * 1024) }]);
    expect(bomb.size * 100).toBeLessThan(4 * 1024 * 1024);
    const error = await unpackError([bomb], { expansionFloor: 1024 * 1024 });
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect(error.message).toMatch(
      /^layer 1\/1 \(sha256:[0-9a-f]{64}\) expands more than 100× its compressed size: .* refusing a decompression bomb \(params.max_expansion_ratio: 100, checked past 1 MiB;/,
    );
  });

  it('unpacks the same highly compressible layer when it stays under the floor', async () => {
    const layer = layerFromFiles([{ path: 'zeros', content: Buffer.alloc(4 * 1024 * 1024) }]);
    const rootfs = await unpack([layer], { expansionFloor: 8 * 1024 * 1024 });
    expect(statSync(join(rootfs, 'zeros')).size).toBe(4 * 1024 * 1024);
  });

  it('fails cleanly on a truncated gzip stream (whose digest matches what was served)', async () => {
    const whole = layerFromFiles([
      { path: 'big', content: Buffer.alloc(200_000, 7) },
      { path: 'after', content: 'a' },
    ]);
    const error = await unpackError([rawLayer(whole.bytes.subarray(0, Math.floor(whole.bytes.length / 2)))]);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.message).toMatch(/layer 1\/1 \(sha256:[0-9a-f]{64}\) is corrupt: unexpected end of file/);
  });

  it('fails on a truncated uncompressed tar', async () => {
    const whole = layerFromFiles([{ path: 'big', content: Buffer.alloc(20_000, 7) }], { compression: 'none' });
    const error = await unpackError([{ ...rawLayer(whole.bytes.subarray(0, 10_000)) }]);
    expect(error).toBeInstanceOf(UnsafeContentError);
    expect(error.message).toMatch(/not a valid tar archive: Truncated input/);
  });

  it('refuses a layer compressed twice', async () => {
    const inner = layerFromFiles([{ path: 'f', content: 'x' }]);
    const error = await unpackError([rawLayer(gzipSync(inner.bytes))]);
    expect(error.message).toMatch(/compressed twice/);
  });
});

describe('rootfs unpacking: concurrency and streaming', () => {
  it('downloads ahead but applies layers in order, spooling early layers to disk and removing the spool', async () => {
    const layers = [0, 1, 2, 3, 4].map((i) =>
      layerFromFiles([
        { path: 'value', content: `layer ${i}` },
        { path: `only-${i}`, content: String(i) },
        ...(i > 0 ? [{ path: `.wh.only-${i - 1}` }] : []),
      ]),
    );
    const opened: number[] = [];
    let releaseFirst: () => void = () => undefined;
    const firstGate = new Promise<void>((r) => (releaseFirst = r));
    const f = fixture(layers, {
      concurrency: 3,
      openBlob: async (blob, open) => {
        const index = layers.findIndex((l) => l.digest === blob.digest);
        opened.push(index);
        const source = await open();
        if (index !== 0) return source;
        // Layer 0 trickles: the next two layers must be fetched meanwhile.
        const slow = new PassThrough();
        void (async () => {
          await firstGate;
          for await (const chunk of source as Readable) slow.write(chunk);
          slow.end();
        })();
        return slow;
      },
    });
    const run = f.output.writeRootfs(f.dest, f.image);
    await new Promise((r) => setTimeout(r, 50));
    expect(opened.sort()).toEqual([0, 1, 2]);
    expect(readdirSync(f.dest).some((n) => n.startsWith('.spool-'))).toBe(true);
    releaseFirst();
    await run;
    expect(readFileSync(join(f.rootfs, 'value'), 'utf8')).toBe('layer 4');
    expect(readdirSync(f.rootfs).sort()).toEqual(['only-4', 'value']);
    expect(readdirSync(f.dest)).toEqual(['rootfs']);
  });

  it('hands over a layer still downloading: the spooled part first, then the rest of the live stream', async () => {
    const big = Buffer.alloc(600_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
    const layers = [
      layerFromFiles([{ path: 'first', content: 'one' }]),
      layerFromFiles([{ path: 'big', content: big }], { compression: 'none' }),
    ];
    let spooledWhileWaiting = false;
    const f = fixture(layers, {
      concurrency: 2,
      openBlob: async (blob, open) => {
        const source = await open();
        if (blob.digest !== layers[1]?.digest) return source;
        const bytes = (layers[1] as Layer).bytes;
        const live = new PassThrough();
        live.write(bytes.subarray(0, 250_000));
        setTimeout(() => {
          spooledWhileWaiting = readdirSync(f.dest).some((n) => n.startsWith('.spool-'));
          live.end(bytes.subarray(250_000));
        }, 150);
        source.destroy();
        return live;
      },
    });
    await f.output.writeRootfs(f.dest, f.image);
    expect(spooledWhileWaiting).toBe(true);
    expect(readFileSync(join(f.rootfs, 'big')).equals(big)).toBe(true);
    expect(readFileSync(join(f.rootfs, 'first'), 'utf8')).toBe('one');
  });

  it('reports plain progress lines per layer when stderr is not a terminal', async () => {
    const f = fixture([layerFromFiles([{ path: 'a', content: 'a' }]), layerFromFiles([{ path: 'b', content: 'b' }])]);
    await f.output.writeRootfs(f.dest, f.image);
    const text = f.progress.join('');
    expect(text).toMatch(/^layer 1\/2 [0-9a-f]{12} \[=+\] 0\.0\/0\.0 MiB done$/m);
    expect(text).toMatch(/^layer 2\/2 [0-9a-f]{12} \[=+\] 0\.0\/0\.0 MiB done$/m);
  });
});

describe('rootfs unpacking: failures while downloading ahead', () => {
  it('surfaces an error of a spooled layer when its turn comes, cleans the spool, and leaves nothing unhandled', async () => {
    const layers = [0, 1, 2].map((i) => layerFromFiles([{ path: `f${i}`, content: Buffer.alloc(50_000, i) }]));
    const f = fixture(layers, {
      concurrency: 3,
      openBlob: async (blob, open) => {
        const index = layers.findIndex((l) => l.digest === blob.digest);
        const source = await open();
        if (index !== 2) return source;
        // Layer 3 breaks half-way while layer 1 is still being applied.
        const broken = new PassThrough();
        void (async () => {
          for await (const chunk of source as Readable) broken.write((chunk as Buffer).subarray(0, 1000));
          broken.destroy(new DigestMismatchError('sha256:good', 'sha256:bad', 'blob of registry.test/team/app'));
        })();
        return broken;
      },
    });
    await expect(f.output.writeRootfs(f.dest, f.image)).rejects.toBeInstanceOf(DigestMismatchError);
    // Neither the spool nor the half-applied rootfs (layers 1 and 2 were) is left behind.
    expect(readdirSync(f.dest)).toEqual([]);
  });

  it('fails at the first layer that cannot be opened, naming it', async () => {
    const layers = [0, 1].map((i) => layerFromFiles([{ path: `f${i}`, content: 'x' }]));
    const f = fixture(layers, {
      openBlob: async (blob, open) => {
        if (blob.digest === layers[1]?.digest)
          throw new NotFoundError(`blob ${blob.digest} not found in registry.test/team/app`);
        return open();
      },
    });
    await expect(f.output.writeRootfs(f.dest, f.image)).rejects.toMatchObject({
      name: NotFoundError.name,
      message: `blob ${layers[1]?.digest} not found in registry.test/team/app`,
    });
  });
});

describe('rootfs unpacking: debug output', () => {
  it('logs layers, whiteouts, links and skipped entries instead of progress bars', async () => {
    const layers = [
      layerFromFiles(
        [
          { path: 'a', content: 'a' },
          { path: 'b', type: 'link', linkname: 'a' },
          { path: 'null', type: 'char' },
        ],
        { compression: 'zstd' },
      ),
      layerFromFiles([{ path: '.wh.a' }]),
    ];
    const f = fixture(layers, { debug: true });
    await f.output.writeRootfs(f.dest, f.image);
    expect(f.progress).toEqual([]);
    const lines = f.logger.lines.join('\n');
    expect(lines).toMatch(/debug: extracting layer 1\/2 \(sha256:[0-9a-f]{64}\)/);
    expect(lines).toMatch(/: zstd tar \((libzstd|fzstd)\)$/m);
    expect(lines).toMatch(/: hardlink b -> a$/m);
    expect(lines).toMatch(/: skipping CharacterDevice entry null$/m);
    expect(lines).toMatch(/layer 2\/2 \(sha256:[0-9a-f]{64}\): whiteout \.wh\.a$/m);
  });
});
