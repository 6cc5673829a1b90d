/**
 * Pushes during GC on S3, sweep variants alternating in one process (ABAB…):
 * which part of a run slows pushes down, and does a change help.
 *
 *   set -a; . /tmp/s3-x/s3.env; set +a
 *   GC_AB_BLOBS=3000 GC_AB_ROUNDS=2 GC_AB_MODES=as-is,no-delete node --import tsx bench/probes/gc-sweep-ab.ts
 *
 * Modes wrap the storage's deleteMany: `as-is` (the driver's own), `no-delete`
 * (the bytes stay: isolates the S3 deletes from the metadata work),
 * `serial` (one DeleteObjects call at a time across the run).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLifecycle, openRegistry } from '../../src/server/app.ts';
import { pushRate } from '../lib/gc-push.ts';
import { configFor, seed } from '../lib/gc-seed.ts';

const BLOBS = Number(process.env.GC_AB_BLOBS ?? 3000);
const ROUNDS = Number(process.env.GC_AB_ROUNDS ?? 2);
const MODES = (process.env.GC_AB_MODES ?? 'as-is,no-delete').split(',');

const dir = mkdtempSync(join(tmpdir(), 'berth-gc-ab-'));
const registry = await openRegistry(configFor('s3', dir));
const lifecycle = openLifecycle(registry);
const storage = registry.storage;
const own = storage.deleteMany?.bind(storage);
let queue: Promise<void> = Promise.resolve();
const variants: Record<string, ((keys: string[]) => Promise<void>) | undefined> = {
  'as-is': own,
  'no-delete': async () => {},
  serial: (keys) => {
    const next = queue.then(() => own?.(keys));
    queue = next.catch(() => {});
    return next as Promise<void>;
  },
};
const params = { dryRun: false, deleteUntagged: false, workers: 4, timeWindowHours: 2 };
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`| round | mode | pushes/s during GC | p50 / p99 | loop lag p99 / max | GC s | load |`);
console.log('|---|---|---|---|---|---|---|');
const idle = await pushRate(registry, 10);
console.log(
  `| - | no GC | ${idle.rate.toFixed(2)} | ${idle.p50.toFixed(0)} / ${idle.p99.toFixed(0)} ms | ${idle.lagP99.toFixed(0)} / ${idle.lagMax.toFixed(0)} ms | - | ${load()} |`,
);
for (let round = 1; round <= ROUNDS; round++) {
  for (const mode of MODES) {
    storage.deleteMany = variants[mode];
    await seed(registry, 's3', BLOBS);
    const t = performance.now();
    await lifecycle.gc.start('Manual', params);
    const during = lifecycle.gc.drain();
    const f = await pushRate(registry, 3600, during);
    await during;
    const gcS = (performance.now() - t) / 1000;
    console.log(
      `| ${round} | ${mode} | ${f.rate.toFixed(2)} | ${f.p50.toFixed(0)} / ${f.p99.toFixed(0)} ms | ` +
        `${f.lagP99.toFixed(0)} / ${f.lagMax.toFixed(0)} ms | ${gcS.toFixed(1)} | ${load()} |`,
    );
  }
}
await lifecycle.stop();
await registry.metadata.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
