#!/bin/sh
':' //; exec node --max-semi-space-size=4 --v8-pool-size=1 "$0" "$@"
// Runs the compiled CLI (built by `npm ci` through the prepare script), with
// two V8 settings. The first two lines are read by sh and by Node alike: sh
// runs `:` then execs node with the flags on this file (any POSIX sh; `env -S`
// is missing from busybox and older coreutils), Node sees a string and a
// comment. Settings for a server on a small machine (`node bin/berth.js` runs
// without them; `npm start`, `npx berth` and `./bin/berth.js` run with them):
// - a 4 MiB young generation (default 16 MiB per semi-space): ~45 MiB less
//   resident memory under a pull storm at the same requests/s;
// - one garbage-collection helper thread instead of Node's four:
//   four helpers contending for 2 cores slowed uploads (585-850 MB/s against
//   895-967 with one); with none at all (--single-threaded-gc) a pull storm
//   right after big uploads had a p99 of 6-13 ms against 3.6-5.0 with one
//   (bench/FINDINGS.md, bench/probes/upload-then-get.sh).
// Not set: --initial-old-space-size=64. Once the server has idled, an upload
// brings a full collection every ~30 MiB received (the received buffers count
// against the ~12 MiB of room V8 leaves a 17 MiB heap); with 64, uploads took
// 15-20% less time, but the peak memory under manifest requests rose ~20 MiB,
// past the S3 memory goal (bench/FINDINGS.md, "Session 16"; the README says
// how to set it).
// The bundle (scripts/bundle.mjs) starts in half the CPU time of the ~450
// separate modules it holds.
import '../dist/bundle/main.js';
