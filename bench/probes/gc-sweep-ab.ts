/**
 * Pushes during GC on S3, sweep variants alternating in one process (ABAB…):
 * which part of a run slows pushes down, and does a change help.
 *
 *   set -a; . /tmp/s3-x/s3.env; set +a
 *   GC_AB_BLOBS=3000 GC_AB_ROUNDS=2 GC_AB_MODES=as-is,no-delete node --import tsx bench/probes/gc-sweep-ab.ts
 *
 * Modes: `as-is` (the run as built), `unpaced` (GC's pacing under pushes off),
 * `no-delete` (the bytes stay: isolates the S3 deletes from the metadata
 * work), `serial` (one DeleteObjects call at a time). Each phase also reports
 * CPU seconds of this process and of the storage server (radosgw + ceph-osd
 * of S3_STATE_DIR, from /proc) per push: what a push costs, and what the run
 * takes from the CPU the pushes share.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry } from '../../src/server/app.ts';
import { openLifecycle } from '../../src/server/features.ts';
import { pushRate } from '../lib/gc-push.ts';
import { configFor, seed } from '../lib/gc-seed.ts';

const BLOBS = Number(process.env.GC_AB_BLOBS ?? 3000);
const ROUNDS = Number(process.env.GC_AB_ROUNDS ?? 2);
const MODES = (process.env.GC_AB_MODES ?? 'as-is,no-delete').split(',');

/** The storage server's processes: those whose command line names S3_STATE_DIR. */
function serverPids(): number[] {
  const state = process.env.S3_STATE_DIR;
  if (!state) return [];
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
        return cmd.includes(state) && /radosgw|ceph-osd/.test(cmd);
      } catch {
        return false;
      }
    })
    .map(Number);
}
const pids = serverPids();
/** CPU seconds so far of this process and of the storage server. */
function cpuNow(): { self: number; server: number } {
  const u = process.cpuUsage();
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {}
  }
  return { self: (u.user + u.system) / 1e6, server: ticks / 100 };
}

const dir = mkdtempSync(join(tmpdir(), 'berth-gc-ab-'));
const registry = await openRegistry(configFor('s3', dir));
const lifecycle = openLifecycle(registry);
const storage = registry.storage;
const own = storage.deleteMany?.bind(storage);
let queue: Promise<void> = Promise.resolve();
const variants: Record<string, ((keys: string[]) => Promise<void>) | undefined> = {
  'as-is': own,
  unpaced: own,
  'no-delete': async () => {},
  serial: (keys) => {
    const next = queue.then(() => own?.(keys));
    queue = next.catch(() => {});
    return next as Promise<void>;
  },
};
const params = { dryRun: false, deleteUntagged: false, workers: 4, timeWindowHours: 2 };
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(
  '| round | mode | pushes/s during GC | p50 / p99 | loop lag p99 / max | GC s | CPU-s per push: Berth / RGW | CPU-s per 1,000 blobs (incl. pushes): Berth / RGW | load |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
const perPush = (c0: { self: number; server: number }, n: number) => {
  const c = cpuNow();
  return `${((c.self - c0.self) / Math.max(1, n)).toFixed(3)} / ${((c.server - c0.server) / Math.max(1, n)).toFixed(3)}`;
};
const c0 = cpuNow();
const t0 = performance.now();
const idle = await pushRate(registry, 10);
const idlePushes = Math.round((idle.rate * (performance.now() - t0)) / 1000);
console.log(
  `| - | no GC | ${idle.rate.toFixed(2)} | ${idle.p50.toFixed(0)} / ${idle.p99.toFixed(0)} ms | ${idle.lagP99.toFixed(0)} / ${idle.lagMax.toFixed(0)} ms | - | ${perPush(c0, idlePushes)} | - | ${load()} |`,
);
for (let round = 1; round <= ROUNDS; round++) {
  for (const mode of MODES) {
    storage.deleteMany = variants[mode];
    lifecycle.gc.pacing = mode !== 'unpaced';
    await seed(registry, 's3', BLOBS);
    const c1 = cpuNow();
    const t = performance.now();
    await lifecycle.gc.start('Manual', params);
    const during = lifecycle.gc.drain();
    const f = await pushRate(registry, 3600, during);
    await during;
    const gcS = (performance.now() - t) / 1000;
    const c2 = cpuNow();
    const pushes = Math.round(f.rate * gcS);
    console.log(
      `| ${round} | ${mode} | ${f.rate.toFixed(2)} | ${f.p50.toFixed(0)} / ${f.p99.toFixed(0)} ms | ` +
        `${f.lagP99.toFixed(0)} / ${f.lagMax.toFixed(0)} ms | ${gcS.toFixed(1)} | ${perPush(c1, pushes)} | ` +
        `${(((c2.self - c1.self) * 1000) / BLOBS).toFixed(2)} / ${(((c2.server - c1.server) * 1000) / BLOBS).toFixed(2)} | ${load()} |`,
    );
  }
}
await lifecycle.stop();
await registry.metadata.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
