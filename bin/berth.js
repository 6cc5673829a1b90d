#!/usr/bin/env -S node --max-semi-space-size=4
// Runs the compiled CLI (built by `npm ci` through the prepare script).
// A 4 MiB young generation (V8's default is 16 MiB per semi-space) keeps the
// server's resident memory ~45 MiB lower under a pull storm at the same
// requests/s: a request's garbage is small and short-lived. `node bin/berth.js`
// runs without it; `npm start`, `npx berth` and `./bin/berth.js` run with it.
import '../dist/cli/main.js';
