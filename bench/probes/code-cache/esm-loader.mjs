// Experiment (bench/FINDINGS.md, "Start-up, session 11"; not shipped): runs the shipped ES module bundle through
// vm.SourceTextModule with a V8 code cache per chunk in CC_DIR (default /tmp/berth-esm-cc), made when a chunk is
// first compiled without one. CC_OFF=1: the same loader, no cache. Node 20 makes a module's cache only before it
// is evaluated (top-level code only), and a module compiled from a cache loses its dynamic import() callback, so
// `import("./chunk")` is rewritten to a call of this loader.
//   cp bench/probes/code-cache/esm-loader.mjs dist/bundle/
//   NODE_OPTIONS="--experimental-vm-modules --no-warnings" IDLE=1 \
//     node bench/probes/startup-ab.mjs dist/bundle/main.js dist/bundle/esm-loader.mjs 7
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

const dir = dirname(fileURLToPath(import.meta.url));
const cacheDir = process.env.CC_DIR ?? '/tmp/berth-esm-cc';
const useCache = !process.env.CC_OFF;
const modules = new Map();
const externals = new Map();

function compile(source, url, cachedData) {
  return new vm.SourceTextModule(source, {
    identifier: url,
    cachedData,
    initializeImportMeta: (meta) => {
      meta.url = url;
    },
  });
}

function chunk(file) {
  let m = modules.get(file);
  if (m) return m;
  const source = readFileSync(file, 'utf8').replace(/(?<![\w$.])import\((?=")/g, '__esmLoaderImport(');
  const url = pathToFileURL(file).href;
  const cacheFile = join(cacheDir, `${basename(file)}.cache`);
  let cachedData;
  if (useCache) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {}
  }
  try {
    m = compile(source, url, cachedData);
  } catch {
    cachedData = undefined; // rejected (another Node or other flags): compile afresh and replace it
    m = compile(source, url);
  }
  if (useCache && !cachedData) {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(cacheFile, m.createCachedData());
  }
  modules.set(file, m);
  return m;
}

// Built-ins and packages: Node's own module, its exports wrapped as a synthetic module.
function external(specifier) {
  let p = externals.get(specifier);
  if (!p) {
    p = import(specifier).then((ns) => {
      const names = Object.keys(ns);
      return new vm.SyntheticModule(names, function () {
        for (const n of names) this.setExport(n, ns[n]);
      });
    });
    externals.set(specifier, p);
  }
  return p;
}

const link = (specifier) => (specifier.startsWith('./') ? chunk(join(dir, specifier)) : external(specifier));

async function load(specifier) {
  if (!specifier.startsWith('./')) return import(specifier);
  const m = chunk(join(dir, specifier));
  if (m.status === 'unlinked') await m.link(link);
  await m.evaluate();
  return m.namespace;
}

globalThis.__esmLoaderImport = load;
await load('./main.js');
