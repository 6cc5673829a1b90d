// Bundles the compiled server (dist/cli/main.js and everything it imports,
// node_modules included) into dist/bundle/: Node then compiles a handful of
// files at start instead of ~450 modules (kysely alone is 263 ES modules),
// which halves the CPU spent from spawn to the first answer (bench/FINDINGS.md,
// "Start-up"). Code imported with `import()` stays in chunks loaded when used.
// Kept out: native addons, and packages that are large and loaded only when
// configured (the AWS SDK for S3, the Kubernetes client).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Fastify requires its default schema compilers (ajv, fast-json-stringify: ~380 KB) only when none is given,
// and Berth gives its own (src/http/lazy-schemas.ts); bundled from there they would sit in the chunk every
// start compiles. Left as Node's require there, they are bundled only into the chunk
// src/http/schema-compilers.ts loads after listening (bench/FINDINGS.md, "Start-up, session 9").
const schemaCompilersApart = {
  name: 'schema-compilers-apart',
  setup(b) {
    b.onResolve({ filter: /^@fastify\/(ajv-compiler|fast-json-stringify-compiler)$/ }, (args) =>
      /[\\/]fastify[\\/]lib[\\/]schema-controller\.js$/.test(args.importer) ? { path: args.path, external: true } : undefined,
    );
  },
};

// Chunk names carry content hashes: clear the last build's, which nothing imports any more.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: ['dist/cli/main.js'],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // Whitespace and syntax only: identifiers are not renamed, so functions and classes keep their names and stack
  // traces still read; the source V8 keeps is ~40% smaller. No keepNames: it wraps every closure in a
  // defineProperty call on each creation, ~5% of a manifest GET's CPU (bench/FINDINGS.md, "Session 9").
  minifyWhitespace: true,
  minifySyntax: true,
  // The CycloneDX library requires optional XML plugins at load time, and yaml's named exports are
  // lost in the bundle's CommonJS interop (import('yaml').parse): both left to Node's resolution.
  external: ['better-sqlite3', '@aws-sdk/*', '@kubernetes/client-node', 'pg-native', '@cyclonedx/cyclonedx-library', 'yaml'],
  // Bundled CommonJS packages call require() for Node's built-ins.
  banner: { js: "import { createRequire as __berthRequire } from 'node:module'; const require = __berthRequire(import.meta.url);" },
  plugins: [schemaCompilersApart],
});
