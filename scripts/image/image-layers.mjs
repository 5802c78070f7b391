// What each layer of the image holds (paths relative to the image root):
//
//   base      the shared libraries the Node binary loads (exactly ldd's list: see SHARED_LIBRARIES),
//             their copyright files, the Mozilla CA bundle, /etc/passwd + /etc/group with root and
//             the non-root user 65532 ("nonroot", as distroless), /etc/nsswitch.conf, /tmp, homes
//   node      /usr/local/bin/node and its LICENSE
//   resource  /opt/resource as docker/layout.mjs lays it out (wrappers, bundles, package.json)
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';

export const NONROOT = { uid: 65532, gid: 65532, name: 'nonroot', home: 'home/nonroot' };
export const NODE_PATH = 'usr/local/bin/node';

/**
 * `ldd` of the node binary, without the vDSO: the dynamic loader and six libraries (libstdc++
 * brings libm, libgcc_s and libc, which node needs itself too). test/integration/image checks this
 * list against `ldd` of the shipped binary.
 */
export const SHARED_LIBRARIES = [
  { package: 'libc6', file: 'lib64/ld-linux-x86-64.so.2' },
  { package: 'libc6', file: 'lib/x86_64-linux-gnu/libc.so.6' },
  { package: 'libc6', file: 'lib/x86_64-linux-gnu/libdl.so.2' },
  { package: 'libc6', file: 'lib/x86_64-linux-gnu/libm.so.6' },
  { package: 'libc6', file: 'lib/x86_64-linux-gnu/libpthread.so.0' },
  { package: 'libgcc-s1', file: 'lib/x86_64-linux-gnu/libgcc_s.so.1' },
  { package: 'libstdc++6', file: 'usr/lib/x86_64-linux-gnu/libstdc++.so.6' },
];

const COPYRIGHTS = [
  { package: 'libc6', file: 'usr/share/doc/libc6/copyright' },
  { package: 'gcc-12-base', file: 'usr/share/doc/gcc-12-base/copyright' },
  { package: 'ca-certificates', file: 'usr/share/doc/ca-certificates/copyright' },
];

/** A file of a package tree, following symlinks inside the tree (each link kept as a link). */
async function packageFile(tree, file, entries) {
  const source = join(tree, file);
  const st = await lstat(source).catch(() => undefined);
  if (!st) throw new Error(`image: ${file} is not in ${tree}`);
  if (st.isSymbolicLink()) {
    const target = await readlink(source);
    entries.push({ path: file, type: 'symlink', target });
    const resolved = target.startsWith('/') ? target.slice(1) : posix.join(posix.dirname(file), target);
    await packageFile(tree, resolved, entries);
  } else if (st.isFile()) {
    entries.push({ path: file, type: 'file', source });
  } else {
    throw new Error(`image: ${file} in ${tree} is neither a file nor a symlink`);
  }
}

/** update-ca-certificates' result, without running it: every Mozilla certificate, sorted by name. */
async function caBundle(tree) {
  const dir = join(tree, 'usr/share/ca-certificates/mozilla');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.crt')).sort();
  const parts = [];
  for (const name of names) {
    const pem = await readFile(join(dir, name), 'utf8');
    parts.push(pem.endsWith('\n') ? pem : `${pem}\n`);
  }
  return { count: names.length, content: parts.join('') };
}

export async function baseLayer(debs) {
  const entries = [];
  for (const lib of SHARED_LIBRARIES) await packageFile(debs[lib.package].dir, lib.file, entries);
  for (const doc of COPYRIGHTS) await packageFile(debs[doc.package].dir, doc.file, entries);
  const ca = await caBundle(debs['ca-certificates'].dir);
  const { uid, gid, name, home } = NONROOT;
  entries.push(
    { path: 'etc/ssl/certs/ca-certificates.crt', type: 'file', content: ca.content },
    {
      path: 'etc/passwd',
      type: 'file',
      content: `root:x:0:0:root:/root:/sbin/nologin\n${name}:x:${uid}:${gid}:${name}:/${home}:/sbin/nologin\n`,
    },
    { path: 'etc/group', type: 'file', content: `root:x:0:\n${name}:x:${gid}:\n` },
    { path: 'etc/nsswitch.conf', type: 'file', content: 'passwd: files\ngroup: files\nhosts: files dns\n' },
    { path: 'tmp', type: 'dir', mode: 0o1777 },
    { path: 'root', type: 'dir', mode: 0o700 },
    { path: home, type: 'dir', mode: 0o700, uid, gid },
  );
  return { entries, caCertificates: ca.count };
}

export function nodeLayer(runtime) {
  return {
    entries: [
      { path: NODE_PATH, type: 'file', source: runtime.node, mode: 0o755 },
      { path: 'usr/local/share/doc/node/LICENSE', type: 'file', source: runtime.license },
    ],
  };
}

/** Every file and directory under `dir`, placed under `prefix` in the image. */
async function tree(dir, prefix, entries) {
  for (const name of (await readdir(dir)).sort()) {
    const source = join(dir, name);
    const path = `${prefix}/${name}`;
    const st = await lstat(source);
    if (st.isDirectory()) {
      entries.push({ path, type: 'dir' });
      await tree(source, path, entries);
    } else if (st.isSymbolicLink()) {
      entries.push({ path, type: 'symlink', target: await readlink(source) });
    } else if (st.isFile()) {
      entries.push({ path, type: 'file', source });
    } else {
      throw new Error(`image: ${source} is not a file, directory or symlink`);
    }
  }
  return entries;
}

export async function resourceLayer(optResource) {
  return { entries: await tree(optResource, 'opt/resource', [{ path: 'opt/resource', type: 'dir' }]) };
}
