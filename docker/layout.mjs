#!/usr/bin/env node
// Lays out the resource the way the image ships it:
//
//   node docker/layout.mjs DIST_DIR DEST [NODE_MODULES_DIR] [--node=/usr/local/bin/node]
//                          [--bake-compile-cache[=/opt/resource]] [--compile-cache-uids=0,65532]
//
//   DEST/check, DEST/in, DEST/out   executable wrappers (the Concourse script contract): they turn
//                                    on Node's compile cache where Node has one (>= 22.1), then
//                                    load the bundle; `--node` gives their interpreter (default
//                                    `/usr/bin/env node`; the image has no /usr/bin/env)
//   DEST/check.mjs, in.mjs, out.mjs  the bundles (every npm dependency inlined)
//   DEST/package.json                {"type":"module"}, so the extension-less wrappers load as ESM
//   DEST/node_modules/...            only the lazily imported externals (AWS / Google / Azure SDKs) and
//                                    their dependency closure, when package.json depends on them
//   DEST/compile-cache/...           with --bake-compile-cache[=INSTALLED_PATH]: V8's code cache for
//                                    the three bundles, made by the Node running this script (run it
//                                    with the Node the image ships) for DEST installed at
//                                    INSTALLED_PATH (default DEST), which the wrappers then read;
//                                    --compile-cache-uids=0,65532 names the users who find it (Node
//                                    keeps a directory per uid; default: the uid running this). In Concourse every
//                                    check runs in a fresh container, so a cache written at run time
//                                    is never read again: only a baked one makes a start warm.
//
// The Dockerfile's build stage and test/integration/docker-layout run this same script, so the
// test exercises exactly the tree the image contains.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import module from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const nodeOption = process.argv.slice(2).find((a) => a.startsWith('--node='));
const bakeOption = process.argv
  .slice(2)
  .find((a) => a === '--bake-compile-cache' || a.startsWith('--bake-compile-cache='));
const [distDir, dest, nodeModules] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!distDir || !dest) {
  process.stderr.write(
    'usage: node docker/layout.mjs DIST_DIR DEST [NODE_MODULES_DIR] [--node=PATH] [--bake-compile-cache[=PATH]] [--compile-cache-uids=UID,...]\n',
  );
  process.exit(2);
}
const shebang = nodeOption ? `#!${nodeOption.slice('--node='.length)}` : '#!/usr/bin/env node';

/**
 * The wrapper: compiled code is cached in $NODE_COMPILE_CACHE, else $TMPDIR/node-compile-cache
 * (NODE_DISABLE_COMPILE_CACHE=1 turns it off). The bundle is imported only after that, since a
 * static import would be compiled before any line here runs. Node checks each cache entry
 * against the source and its own version, so a stale, foreign or unwritable cache only means
 * compiling as without one.
 */
const wrapper = (step) =>
  `${shebang}
import module from 'node:module';
try {
  module.enableCompileCache?.();
} catch {
  // no cache: run as on Node < 22.1
}
await import('./${step}.mjs');
`;

/** The directory next to the bundles that --bake-compile-cache fills. */
const CACHE_DIR = 'compile-cache';

/**
 * The wrapper of a layout with a baked cache: under the Node that baked it, it reads
 * DEST/compile-cache, whose entries are keyed by the bundles' installed paths (see
 * bakeCompileCache). Under any other Node, or with $NODE_COMPILE_CACHE set, it behaves as the plain
 * wrapper, and NODE_DISABLE_COMPILE_CACHE=1 turns either off. Node checks every entry against its
 * version, V8 flags and the bundle's hash, so a stale, corrupt or foreign entry only means compiling
 * as without a cache, and a directory it may not write (the image's non-root user) that nothing is
 * saved.
 */
const bakedWrapper = (step) =>
  `${shebang}
import module from 'node:module';
try {
  if (process.version === '${process.version}' && !process.env.NODE_COMPILE_CACHE) {
    module.enableCompileCache(\`\${import.meta.dirname}/${CACHE_DIR}\`);
  } else module.enableCompileCache?.();
} catch {
  // no cache: run as on Node < 22.1
}
await import('./${step}.mjs');
`;

/**
 * Runs in the child that bakes one bundle: it loads the bundle from DEST under the URL it will
 * have where it is installed (hooks map that URL to the file in DEST), so the cache is keyed by,
 * and V8's entry names, the installed path, and no trace of the build's staging directory is left.
 */
const BAKE_RUNNER = `
import module from 'node:module';
import { readFileSync } from 'node:fs';
const [bundle, url, cache] = process.argv.slice(1);
module.registerHooks({
  resolve: (specifier, context, next) =>
    specifier === url ? { url, format: 'module', shortCircuit: true } : next(specifier, context),
  load: (href, context, next) =>
    href === url ? { format: 'module', source: readFileSync(bundle, 'utf8'), shortCircuit: true } : next(href, context),
});
module.enableCompileCache(cache);
await import(url);
`;

/**
 * Compiles each bundle once under this Node with the cache on, by running it on a request that
 * fails validation: no network, no files, the same path every time. Two things keep the bytes the
 * same from build to build: the bundle is compiled under its installed path (V8's entry holds the
 * script's name), and V8's random seed is fixed (the entry holds hash tables laid out by identity
 * hashes drawn from it; --random-seed is not among the flags V8 hashes into the entry's flag check,
 * so the entries stay valid for a Node started with its defaults).
 */
function bakeCompileCache(destDir, installedAt, uids) {
  const dir = resolve(destDir);
  const cache = join(dir, CACHE_DIR);
  rmSync(cache, { recursive: true, force: true });
  if (typeof module.enableCompileCache !== 'function' || typeof module.registerHooks !== 'function') {
    process.stderr.write(
      `layout: node ${process.version} cannot bake a compile cache (no enableCompileCache/registerHooks)\n`,
    );
    process.exit(1);
  }
  for (const step of STEPS) {
    const url = pathToFileURL(join(installedAt, `${step}.mjs`)).href;
    const run = spawnSync(
      process.execPath,
      ['--random-seed=1', '--input-type=module', '-e', BAKE_RUNNER, join(dir, `${step}.mjs`), url, cache],
      { cwd: dir, input: '{"source":{}}', encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
    );
    if (run.status !== 1 || !run.stderr.startsWith(`${step}: source.repository is required`)) {
      process.stderr.write(`layout: baking the compile cache, ${step}.mjs gave ${run.status}: ${run.stderr}\n`);
      process.exit(1);
    }
  }
  const entries = readdirSync(cache, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  if (entries.length !== STEPS.length) {
    process.stderr.write(`layout: the baked compile cache holds ${entries.length} entries, not ${STEPS.length}\n`);
    process.exit(1);
  }
  for (const e of entries) chmodSync(join(e.parentPath, e.name), 0o644);
  // Node keeps each user's entries apart: the directory is <node version>-<arch>-<V8 hash>-<uid>.
  // The baked one is named for the first of `uids` (whoever built it), the others link to it.
  const [tagged, ...others] = readdirSync(cache);
  const tag = /^(.+)-\d+$/.exec(tagged ?? '')?.[1];
  if (!tag || others.length > 0) {
    process.stderr.write(`layout: the baked compile cache is not one <version>-<arch>-<hash>-<uid> directory\n`);
    process.exit(1);
  }
  const [first, ...rest] = uids;
  renameSync(join(cache, tagged), join(cache, `${tag}-${first}`));
  for (const uid of rest) symlinkSync(`${tag}-${first}`, join(cache, `${tag}-${uid}`));
  return entries.length;
}

// Kept in step with scripts/build.mjs `external`: these are not in the bundles.
const EXTERNAL = [/^@aws-sdk\//, /^google-auth-library$/, /^@azure\/identity$/, /^re2js$/];
// Declared by an external but loaded only by its browser build (@azure/identity's browser flows):
// 16 MB the image does not need.
const BROWSER_ONLY = new Set(['@azure/msal-browser']);
const STEPS = ['check', 'in', 'out'];

mkdirSync(dest, { recursive: true });
for (const step of STEPS) {
  const bundle = join(distDir, `${step}.mjs`);
  if (!existsSync(bundle)) {
    process.stderr.write(`layout: ${bundle} is missing; run node scripts/build.mjs first\n`);
    process.exit(1);
  }
  cpSync(bundle, join(dest, `${step}.mjs`));
  chmodSync(join(dest, `${step}.mjs`), 0o644);
  writeFileSync(join(dest, step), bakeOption ? bakedWrapper(step) : wrapper(step), { mode: 0o755 });
  chmodSync(join(dest, step), 0o755);
}
writeFileSync(join(dest, 'package.json'), `${JSON.stringify({ type: 'module', private: true })}\n`, { mode: 0o644 });

/** Resolve `name` as Node would from inside `fromDir` (nested node_modules first). */
function packageDir(name, fromDir, root) {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (resolve(dir) === resolve(root)) return undefined;
    const parent = resolve(dir, '..');
    if (parent === dir) return undefined;
    dir = parent.endsWith('/node_modules') ? resolve(parent, '..') : parent;
  }
}

let copied = 0;
if (nodeModules) {
  const root = resolve(nodeModules, '..');
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const wanted = Object.keys(manifest.dependencies ?? {}).filter((name) => EXTERNAL.some((re) => re.test(name)));
  const seen = new Set();
  const queue = wanted.map((name) => ({ name, from: root }));
  while (queue.length > 0) {
    const { name, from } = queue.shift();
    const dir = packageDir(name, from, root);
    if (!dir) {
      process.stderr.write(`layout: ${name} is not installed under ${nodeModules}\n`);
      process.exit(1);
    }
    if (seen.has(dir)) continue;
    seen.add(dir);
    const relative = dir.slice(root.length + 1);
    cpSync(dir, join(dest, relative), {
      recursive: true,
      dereference: true,
      // Source maps and type declarations are never loaded at run time (9 MB of @azure/identity's closure).
      filter: (src) => !src.slice(dir.length).startsWith('/node_modules') && !/\.(map|d\.[cm]?ts)$/.test(src),
    });
    copied++;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys({ ...(pkg.dependencies ?? {}), ...(pkg.optionalDependencies ?? {}) })) {
      if (BROWSER_ONLY.has(dep)) continue;
      const depDir = packageDir(dep, dir, root);
      if (depDir || !(pkg.optionalDependencies ?? {})[dep]) queue.push({ name: dep, from: dir });
    }
  }
}
// Where DEST is installed (the image: /opt/resource); DEST itself by default. The users whose
// processes find the cache (--compile-cache-uids=0,65532; by default whoever runs this).
const installedAt = resolve(bakeOption?.slice('--bake-compile-cache='.length) || dest);
const uidsOption = process.argv.slice(2).find((a) => a.startsWith('--compile-cache-uids='));
const uids = uidsOption
  ? uidsOption.slice('--compile-cache-uids='.length).split(',')
  : [String(process.getuid?.() ?? 0)];
if (!uids.every((u) => /^\d+$/.test(u))) {
  process.stderr.write(`layout: ${uidsOption} is not a list of numeric uids\n`);
  process.exit(2);
}
const baked = bakeOption
  ? `; compile cache for node ${process.version} at ${installedAt}, ${bakeCompileCache(dest, installedAt, uids)} entries for uid ${uids.join(', ')}`
  : '';
process.stdout.write(`layout: ${dest} (${STEPS.join(', ')}; ${copied} external package(s)${baked})\n`);
