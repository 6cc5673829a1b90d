// How long the last fsync of a 1 GiB file takes with and without an fdatasync started in the
// background every 128 MiB, one at a time (what Berth does for upload files): written at full speed, and arriving in
// paced blocks (4 MiB per 8 ms timer tick), as an upload's bytes do.
// Run: node bench/probes/fsync-tail.mjs [folder on the disk to test, default bench/work]
import { mkdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

const dir = process.argv[2] ?? join(import.meta.dirname, '..', 'work');
mkdirSync(dir, { recursive: true });
const file = join(dir, 'fsync-tail.bin');
const block = Buffer.alloc(4 * 1024 * 1024, 7);

async function run(flushEvery, paced) {
  const fh = await open(file, 'w');
  const started = performance.now();
  let flushing = null;
  let since = 0;
  for (let i = 0; i < 256; i++) {
    await fh.write(block);
    since += block.length;
    if (flushEvery && since >= flushEvery && !flushing) {
      since = 0;
      flushing = fh.datasync().finally(() => (flushing = null));
    }
    if (paced) await new Promise((resolve) => setTimeout(resolve, 8)); // 4 MiB per ~8 ms
  }
  const written = performance.now();
  await flushing;
  await fh.sync();
  const done = performance.now();
  await fh.close();
  rmSync(file);
  const label = `${flushEvery ? 'flushed every 128 MiB' : 'one fsync at the end'}, ${paced ? 'paced, 4 MiB per 8 ms' : 'full speed'}`;
  console.log(
    `${label.padEnd(42)} write ${(written - started).toFixed(0)} ms, last sync ${(done - written).toFixed(0)} ms, total ${(done - started).toFixed(0)} ms`,
  );
}

for (const paced of [false, true]) {
  for (let round = 0; round < 2; round++) {
    await run(0, paced);
    await run(128 * 1024 * 1024, paced);
  }
}
