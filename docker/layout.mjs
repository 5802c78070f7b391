#!/usr/bin/env node
// Lays out the resource the way the image ships it:
//
//   node docker/layout.mjs DIST_DIR DEST [NODE_MODULES_DIR] [--node=/usr/local/bin/node]
//
//   DEST/check, DEST/in, DEST/out   executable wrappers (the Concourse script contract): they turn
//                                    on Node's compile cache where Node has one (>= 22.1), then
//                                    load the bundle; `--node` gives their interpreter (default
//                                    `/usr/bin/env node`; the image has no /usr/bin/env)
//   DEST/check.mjs, in.mjs, out.mjs  the bundles (every npm dependency inlined)
//   DEST/package.json                {"type":"module"}, so the extension-less wrappers load as ESM
//   DEST/node_modules/...            only the lazily imported externals (AWS / Google / Azure SDKs) and
//                                    their dependency closure, when package.json depends on them
//
// The Dockerfile's build stage and test/integration/docker-layout run this same script, so the
// test exercises exactly the tree the image contains.
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const nodeOption = process.argv.slice(2).find((a) => a.startsWith('--node='));
const [distDir, dest, nodeModules] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!distDir || !dest) {
  process.stderr.write('usage: node docker/layout.mjs DIST_DIR DEST [NODE_MODULES_DIR] [--node=PATH]\n');
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
  writeFileSync(join(dest, step), wrapper(step), { mode: 0o755 });
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
process.stdout.write(`layout: ${dest} (${STEPS.join(', ')}; ${copied} external package(s))\n`);
