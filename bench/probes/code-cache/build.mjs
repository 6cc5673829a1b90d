// Experiment (bench/FINDINGS.md, "Session 8: start-up"): `serve` as one CommonJS bundle,
// dist/bundle-cc/serve.cjs, that loader.cjs runs through vm.Script with a V8 code cache. Node 20 has
// no code cache for ES modules (module.enableCompileCache came in Node 22), so the shipped ESM bundle
// cannot use one. Not shipped: no chunks, so the management API's code is in the one file, and the
// source plus the cache raised idle RSS above the edge goal of 80 MiB.
//   npx tsc -p tsconfig.build.json && node bench/probes/code-cache/build.mjs
//   ENTRY=$PWD/dist/bundle-cc/loader.cjs REUSE=1 bash bench/probes/startup-cpu.sh 3   (CC_OFF=1: no cache)
import { copyFileSync } from 'node:fs';
import { build } from 'esbuild';

await build({
  entryPoints: ['bench/probes/code-cache/entry.mjs'],
  outfile: 'dist/bundle-cc/serve.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  // import.meta.url (the console folder, package.json) is this file's URL in CommonJS.
  define: { 'import.meta.url': '__berthUrl' },
  banner: { js: "const __berthUrl = require('node:url').pathToFileURL(__filename).href;" },
  external: ['better-sqlite3', '@aws-sdk/*', '@kubernetes/client-node', 'pg-native', '@cyclonedx/cyclonedx-library', 'yaml'],
});
copyFileSync('bench/probes/code-cache/loader.cjs', 'dist/bundle-cc/loader.cjs');
