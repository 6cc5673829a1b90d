// Cost of one access-log line in a loop (µs): pino straight into its own writer (sonic-boom), and through the
// server's batched destination (dist/server/log-destination.js; build first). Lines go to /dev/null.
// Run: node bench/probes/log-line.mjs
import { openSync } from 'node:fs';
import pino from 'pino';
import { BatchedDestination } from '../../dist/server/log-destination.js';

const LINES = 300_000;
const options = { level: 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
const fd = openSync('/dev/null', 'w');
const destinations = {
  'pino.destination (sonic-boom, minLength 4096)': () => pino.destination({ dest: fd, sync: false, minLength: 4096 }),
  'batched 16 KiB (the server)': () =>
    new BatchedDestination(pino.destination({ dest: fd, sync: false, minLength: 0 })),
};
for (let round = 0; round < 3; round++) {
  for (const [name, make] of Object.entries(destinations)) {
    const log = pino(options, make());
    const started = performance.now();
    for (let i = 0; i < LINES; i++) {
      log.info({ method: 'GET', path: '/v2/t/app/manifests/v1', status: 200, bytes: 700, ms: (i % 100) / 100 });
    }
    console.log(`${name}: ${(((performance.now() - started) * 1000) / LINES).toFixed(2)} µs a line`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
