// Bundles each entrypoint into one ESM file under dist/ (fast cold start: one file to load).
// The AWS and Google SDKs stay external and are imported lazily, only when a source needs them.
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';

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
  external: ['@aws-sdk/*', 'google-auth-library'],
  // CommonJS dependencies (axios' deps, tar) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
