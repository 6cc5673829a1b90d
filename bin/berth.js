#!/usr/bin/env -S node --max-semi-space-size=4 --single-threaded-gc
// Runs the compiled CLI (built by `npm ci` through the prepare script), with
// two V8 settings for a server on a small machine (`node bin/berth.js` runs
// without them; `npm start`, `npx berth` and `./bin/berth.js` run with them):
// - a 4 MiB young generation (default 16 MiB per semi-space): ~45 MiB less
//   resident memory under a pull storm at the same requests/s;
// - garbage collection on the main thread only: an upload's received buffers
//   bring a full collection every ~27 MiB, and V8's 4 helper threads then
//   spent up to 0.9 CPU-s per GiB contending for 2 cores; without them uploads
//   ran at a median 465 MB/s against 389. Its cost: a pull storm right after
//   big uploads is served more slowly (bench/FINDINGS.md).
import '../dist/cli/main.js';
