// Bundles the compiled server (dist/cli/main.js and everything it imports,
// node_modules included) into dist/bundle/: Node then compiles a handful of
// files at start instead of ~450 modules (kysely alone is 263 ES modules),
// which halves the CPU spent from spawn to the first answer (bench/FINDINGS.md,
// "Start-up"). Code imported with `import()` stays in chunks loaded when used.
// Kept out: native addons, and packages that are large and loaded only when
// configured (the AWS SDK for S3, the Kubernetes client).
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
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

// Modules some packages require at load time but use only on paths a registry rarely takes: Fastify's `https`
// and `http2` (TLS and HTTP/2 servers; with them come `tls` and more), prom-client's push gateway (`https`,
// `zlib`), OpenTelemetry (exemplars only), commander's `child_process` (executable subcommands), Fastify's
// `semver` (plugin version checks) and pino's `thread-stream` (transports). Each such require becomes a
// stand-in that requires the module at its first use, so a start does not load the built-ins nor evaluate the
// packages (bench/FINDINGS.md, "Start-up, session 11"). Bundled packages stay in the bundle; only their
// evaluation waits.
const loadWhenUsed = [
  { importer: /[\\/]fastify[\\/]lib[\\/]server\.js$/, modules: ['node:https', 'node:http2'] },
  { importer: /[\\/]prom-client[\\/]index\.js$/, modules: ['./lib/pushgateway'] },
  { importer: /[\\/]prom-client[\\/]lib[\\/]metrics[\\/]processCpuTotal\.js$/, modules: ['@opentelemetry/api'] },
  { importer: /[\\/]commander[\\/]lib[\\/]command\.js$/, modules: ['node:child_process'] },
  { importer: /[\\/]fastify[\\/]lib[\\/]plugin-utils\.js$/, modules: ['semver'] },
  { importer: /[\\/]pino[\\/]lib[\\/]transport\.js$/, modules: ['thread-stream'] },
];
const requireWhenUsed = {
  name: 'require-when-used',
  setup(b) {
    const specs = [...new Set(loadWhenUsed.flatMap((l) => l.modules))];
    const filter = new RegExp(`^(${specs.map((m) => m.replace(/[/.@-]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter }, (args) =>
      args.kind === 'require-call' && loadWhenUsed.some((l) => l.importer.test(args.importer) && l.modules.includes(args.path))
        ? {
            // One stand-in per importer's folder and specifier: a relative specifier means a different module elsewhere.
            path: `${dirname(args.importer)}:${args.path}`,
            namespace: 'require-when-used',
            pluginData: { resolveDir: dirname(args.importer), specifier: args.path },
          }
        : undefined,
    );
    // A function target, so a module that is a function or a class (thread-stream) is still callable and constructible.
    b.onLoad({ filter: /.*/, namespace: 'require-when-used' }, (args) => ({
      resolveDir: args.pluginData.resolveDir,
      loader: 'js',
      contents: `let loaded;
const load = () => (loaded ??= require(${JSON.stringify(args.pluginData.specifier)}));
module.exports = new Proxy(function () {}, {
  get: (_, key) => load()[key],
  has: (_, key) => key in load(),
  apply: (_, self, args) => Reflect.apply(load(), self, args),
  construct: (_, args) => Reflect.construct(load(), args),
});`,
    }));
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
  plugins: [schemaCompilersApart, requireWhenUsed],
});
