#!/bin/sh
':' //; exec node --max-semi-space-size=4 --initial-old-space-size=64 --v8-pool-size=1 "$0" "$@"
// Runs the compiled CLI (built by `npm ci` through the prepare script), with
// three V8 settings. The first two lines are read by sh and by Node alike: sh
// runs `:` then execs node with the flags on this file (any POSIX sh; `env -S`
// is missing from busybox and older coreutils), Node sees a string and a
// comment. Settings for a server on a small machine (`node bin/berth.js` runs
// without them; `npm start`, `npx berth` and `./bin/berth.js` run with them):
// - a 4 MiB young generation (default 16 MiB per semi-space): ~45 MiB less
//   resident memory under a pull storm at the same requests/s;
// - an old generation allowed 64 MiB before a full collection: once the
//   server had idled, an upload brought one every ~30 MiB received (~32 per
//   GiB, with 0.8 MiB promoted: the received buffers count against the
//   ~12 MiB of room V8 leaves a 17 MiB heap). With 64: none, uploads 15-20%
//   faster, a quarter less CPU, the same peak memory (bench/FINDINGS.md,
//   "Session 16", bench/probes/upload-gc.sh);
// - one garbage-collection helper thread instead of Node's four:
//   four helpers contending for 2 cores slowed uploads (585-850 MB/s against
//   895-967 with one); with none at all (--single-threaded-gc) a pull storm
//   right after big uploads had a p99 of 6-13 ms against 3.6-5.0 with one
//   (bench/FINDINGS.md, bench/probes/upload-then-get.sh).
// The bundle (scripts/bundle.mjs) starts in half the CPU time of the ~450
// separate modules it holds.
import '../dist/bundle/main.js';
