// Runs serve.cjs (build.mjs) as Node would run a CommonJS file, but compiled with the V8 code cache
// in serve.cjs.v8cache; without one (or one V8 rejects) it writes one 1.5 s after start, when the
// functions a start runs have been compiled. CC_OFF=1 runs without any cache.
const vm = require('node:vm');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const file = path.join(__dirname, 'serve.cjs');
const cacheFile = `${file}.v8cache`;
const off = Boolean(process.env.CC_OFF);
let cachedData;
if (!off) {
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {}
}
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), {
  filename: file,
  cachedData,
  importModuleDynamically: (specifier) => import(specifier),
});
const stale = !off && (!cachedData || script.cachedDataRejected);
cachedData = undefined;
const module_ = { exports: {} };
script.runInThisContext()(module_.exports, Module.createRequire(file), module_, file, __dirname);
if (stale) setTimeout(() => fs.writeFileSync(cacheFile, script.createCachedData()), 1500).unref();
