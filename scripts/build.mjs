// Bundles each entrypoint into one ESM file under dist/ (fast cold start: one file to load).
// The AWS, Google and Azure SDKs stay external and are imported lazily, only when a source needs them.
import { build } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';

/** Replace modules every process would load but never use (see scripts/stubs/ for why each). */
const stubUnused = {
  name: 'stub-unused',
  setup(b) {
    b.onResolve({ filter: /^form-data$/ }, () => ({
      path: new URL('./stubs/form-data.mjs', import.meta.url).pathname,
    }));
    b.onResolve({ filter: /^https-proxy-agent$/ }, () => ({
      path: new URL('./stubs/https-proxy-agent.mjs', import.meta.url).pathname,
    }));
    // axios loads node:http2 at import (~4 ms) for `httpVersion: 2`, which we never ask for:
    // its two importers get it on first property access instead.
    b.onLoad({ filter: /[\\/]axios[\\/]lib[\\/](adapters[\\/]http|helpers[\\/]Http2Sessions)\.js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const eager = "import http2 from 'http2';";
      if (!source.includes(eager)) {
        console.warn(`build: ${path} no longer imports http2 as before; it loads eagerly (slower start)`);
        return undefined;
      }
      const lazy = "const http2 = new Proxy({}, { get: (_, name) => require('node:http2')[name] });";
      let contents = source.replace(eager, lazy);
      // follow-redirects (and the node:assert and debug it loads, ~5 ms) serves only
      // maxRedirects > 0; our client sets 0, so its transports are built on first use.
      const follow = "import followRedirects from 'follow-redirects';";
      if (contents.includes(follow)) {
        const transport = (which) => `new Proxy({}, { get: (_, name) => require('follow-redirects').${which}[name] })`;
        contents = contents.replace(
          follow,
          `const followRedirects = { http: ${transport('http')}, https: ${transport('https')} };`,
        );
      } else if (/adapters[\\/]http\.js$/.test(path)) {
        console.warn('build: axios no longer imports follow-redirects as before; it loads eagerly (slower start)');
      }
      return { contents, loader: 'js' };
    });
    // axios times each request with the global `performance`, whose first read makes Node load
    // perf_hooks and ten internals (~1 ms, 0.5 MiB RSS on Node 20, 1.3 MiB on 24); process.hrtime
    // is the same monotonic clock, already loaded.
    b.onLoad({ filter: /[\\/]axios[\\/]lib[\\/]core[\\/]dispatchRequest\.js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const probe =
        /typeof performance !== 'undefined' && utils\.isFunction\(performance\.now\)\s*\?\s*\(\) => performance\.now\(\)\s*:\s*Date\.now/;
      if (!probe.test(source)) {
        console.warn('build: axios dispatchRequest changed; its clock loads perf_hooks again (slower start)');
        return undefined;
      }
      return { contents: source.replace(probe, '() => Number(process.hrtime.bigint()) / 1e6'), loader: 'js' };
    });
    b.onLoad({ filter: /[\\/]axios[\\/]lib[\\/]adapters[\\/]fetch\.js$/ }, () => ({
      contents: readFileSync(new URL('./stubs/axios-fetch-adapter.mjs', import.meta.url), 'utf8'),
      loader: 'js',
    }));
    // axios reads globalThis.FormData when its utils load, and that getter makes Node load undici
    // (~20 ms per process). We never send FormData bodies, so its utils see none.
    b.onLoad({ filter: /[\\/]axios[\\/]lib[\\/]utils\.js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const probe = "typeof G.FormData !== 'undefined' ? G.FormData : undefined";
      if (!source.includes(probe)) {
        console.warn('build: axios utils changed; globalThis.FormData is probed again (slower start)');
        return undefined;
      }
      return { contents: source.replace(probe, 'undefined'), loader: 'js' };
    });
  },
};

/**
 * Built-ins reach the bundles through require(), not ES import: an ES import of a built-in makes
 * Node build its ESM facade, which reads every export, and on Node >= 22 reading node:http's
 * WebSocket/EventSource getters loads undici (~25 ms CPU at each start), crypto's `webcrypto`
 * loads WebCrypto, and so on. Each built-in becomes a one-line CommonJS module whose require()
 * stays external; esbuild's interop then reads an export only when the code uses it. (Its interop
 * does take every export's descriptor once, which on Node 24 materialises a few lazy ones, such
 * as util.setTraceSigInt loading worker_threads; hiding them behind a Proxy saved no measurable
 * CPU there and cost 4 MiB of RSS on Node 20, so they are left.)
 */
const builtinsViaRequire = {
  name: 'builtins-via-require',
  setup(b) {
    const builtins = new Set(builtinModules);
    b.onResolve({ filter: /^(node:)?[a-z_][a-z0-9_/]*$/ }, ({ path, kind }) => {
      const name = path.replace(/^node:/, '');
      if (kind !== 'import-statement' || !builtins.has(name)) return undefined;
      return { path: name, namespace: 'builtin-via-require' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin-via-require' }, ({ path }) => ({
      contents: `module.exports = require('node:${path}');`,
      loader: 'js',
    }));
  },
};

const entrypoints = readdirSync('src/main/entrypoints')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `src/main/entrypoints/${f}`);

await build({
  entryPoints: entrypoints,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  sourcemap: 'linked',
  legalComments: 'none',
  // `check` starts once a minute per resource: a minified bundle is parsed and compiled faster and
  // holds less (measured A/B, 21 interleaved cold checks, Node 20: 206 → 189 ms CPU, 51.0 → 50.1 MiB
  // peak RSS). keepNames keeps class and function names (error names, stack frames); the linked
  // source map gives the original positions (REGISTRY_IMAGE_TRACE=1 turns it on).
  minify: true,
  keepNames: true,
  external: ['@aws-sdk/*', 'google-auth-library', '@azure/identity', 're2js'],
  // CommonJS dependencies (axios' deps, tar) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  plugins: [stubUnused, builtinsViaRequire],
  logLevel: 'warning',
});
