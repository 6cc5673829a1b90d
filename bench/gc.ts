/**
 * GC benchmark: time to collect N garbage blobs (default 100,000) on the
 * filesystem and on S3, and push throughput while a run goes on.
 *
 *   node --import tsx bench/gc.ts                 # fs, and S3 when S3_ENDPOINT is set
 *   GC_BLOBS=5000 GC_DRIVERS=fs node --import tsx bench/gc.ts
 *
 * Variables: GC_BLOBS (garbage blobs of the timed run), GC_BUSY_BLOBS (of the
 * run pushes race, default GC_BLOBS), GC_DRIVERS (fs,s3), GC_PUSH_SECONDS
 * (pushes without GC, default 5), GC_SEED_CONCURRENCY (S3 PUTs in flight
 * while seeding, 256), GC_OUT (results file, default bench/RESULTS-gc.md).
 *
 * Garbage is seeded around Berth (bench/lib/gc-seed.ts), aged past the grace
 * window, and collected by one run; pushes (bench/lib/gc-push.ts) are counted
 * without GC and then during a second run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRegistry } from '../src/server/app.ts';
import { openLifecycle } from '../src/server/features.ts';
import { type PushFigures, pushRate } from './lib/gc-push.ts';
import { configFor, SEED_CONCURRENCY, seed } from './lib/gc-seed.ts';
import { describeMachine } from './machine.ts';

const BLOBS = Number(process.env.GC_BLOBS ?? 100_000);
const BUSY_BLOBS = Number(process.env.GC_BUSY_BLOBS ?? BLOBS);
const PUSH_SECONDS = Number(process.env.GC_PUSH_SECONDS ?? 5);
const DRIVERS = (process.env.GC_DRIVERS ?? (process.env.S3_ENDPOINT ? 'fs,s3' : 'fs')).split(',');

interface DriverFigures {
  driver: string;
  seedS: number;
  seedRate: number;
  gcS: number;
  gcCpuS: number;
  idle: PushFigures;
  busy: PushFigures;
  busyGcS: number;
  freedSecond: number;
}

async function bench(driver: string): Promise<DriverFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-gc-'));
  try {
    // Opened as the server opens it: the lifecycle feature finds its stores through the registry's ports.
    const registry = await openRegistry(configFor(driver, dir));
    const { metadata } = registry;
    const lifecycle = openLifecycle(registry);
    const params = { dryRun: false, deleteUntagged: false, workers: 4, timeWindowHours: 2 };

    let t = performance.now();
    await seed(registry, driver, BLOBS);
    const seedS = (performance.now() - t) / 1000;
    process.stderr.write(`gc bench: ${driver}: seeded ${BLOBS} blobs in ${seedS.toFixed(1)} s; GC alone…\n`);
    t = performance.now();
    const cpu0 = process.cpuUsage();
    const run = await lifecycle.gc.start('Manual', params);
    await lifecycle.gc.drain();
    const gcS = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const done = await lifecycle.gc.store.run(run.id);
    if (done?.blobsDeleted !== BLOBS) throw new Error(`run freed ${done?.blobsDeleted} of ${BLOBS} blobs`);

    process.stderr.write(`gc bench: ${driver}: GC ${gcS.toFixed(1)} s; pushes without GC…\n`);
    const idle = await pushRate(registry, PUSH_SECONDS);
    await seed(registry, driver, BUSY_BLOBS);
    process.stderr.write(`gc bench: ${driver}: pushes during a second GC run…\n`);
    t = performance.now();
    const second = await lifecycle.gc.start('Manual', params);
    const during = lifecycle.gc.drain();
    const busy = await pushRate(registry, 3600, during);
    await during;
    const busyGcS = (performance.now() - t) / 1000;
    const secondDone = await lifecycle.gc.store.run(second.id);
    await lifecycle.stop();
    await metadata.close();
    return {
      driver,
      seedS,
      seedRate: BLOBS / seedS,
      gcS,
      gcCpuS: (cpu.user + cpu.system) / 1e6,
      idle,
      busy,
      busyGcS,
      freedSecond: secondDone?.blobsDeleted ?? 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const command = [
  ...['GC_BLOBS', 'GC_BUSY_BLOBS', 'GC_DRIVERS', 'GC_PUSH_SECONDS', 'GC_SEED_CONCURRENCY']
    .filter((k) => process.env[k] !== undefined)
    .map((k) => `${k}=${process.env[k]}`),
  'node --import tsx bench/gc.ts',
].join(' ');
const machine = await describeMachine(fileURLToPath(new URL('..', import.meta.url)));
const results: DriverFigures[] = [];
const loads: string[] = [];
for (const driver of DRIVERS) {
  process.stderr.write(`gc bench: ${driver}, ${BLOBS} blobs…\n`);
  const before = loadavg();
  results.push(await bench(driver));
  loads.push(`${driver}: ${before} at start, ${loadavg()} at end`);
}
const ms = (v: number) => `${v.toFixed(0)} ms`;
const pushes = (f: PushFigures) =>
  `${f.rate.toFixed(1)}/s (p50 ${ms(f.p50)}, p99 ${ms(f.p99)}; loop lag p99 ${ms(f.lagP99)}, max ${ms(f.lagMax)}; CPU ${f.cpu.toFixed(2)})`;
const table = [
  '| driver | blobs | GC run (blobs/s; CPU of the process) | pushes without GC | pushes during GC (GC run then) | freed by 2nd run | seeding (not measured: bypasses Berth) |',
  '|---|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.driver} | ${BLOBS} | **${r.gcS.toFixed(1)} s** (${Math.round(BLOBS / r.gcS)}/s; ${r.gcCpuS.toFixed(1)} CPU-s) | ` +
      `${pushes(r.idle)} | ${pushes(r.busy)} (${r.busyGcS.toFixed(1)} s) | ${r.freedSecond} | ${r.seedS.toFixed(1)} s (${Math.round(r.seedRate)}/s) |`,
  ),
].join('\n');
console.log(table);
const keys = ['date', 'cpus', 'memory', 'kernel', 'os', 'node', 'berth'];
const report = `# Berth benchmark: garbage collection

Command: \`${command}\` (the last step of \`npm run bench\`; S3 is Ceph RGW from \`scripts/s3-up.sh\`, its variables exported).
Metadata on SQLite. Each driver: ${BLOBS} garbage blobs of 64 bytes, aged past the grace window, collected by one run
(\`workers=4\`); then pushes (4 at a time, each a 4 KiB layer, a config and a manifest through the registry's use cases)
for ${PUSH_SECONDS} s without GC, and during a second run over ${BUSY_BLOBS} blobs.
Seeding writes the garbage straight to storage (S3: PutObject with the AWS SDK, ${SEED_CONCURRENCY} at once; fs: the driver)
and the rows in SQL batches, bypassing Berth: it is not what is measured.

${keys.map((k) => `- ${k}: ${machine[k]}`).join('\n')}
- load average (1, 5, 15 min): ${loads.join('; ')}

${table}

| goal (issue 15) | met |
|---|---|
| GC time for ${BLOBS.toLocaleString('en')} blobs on fs and S3 reported | ${['fs', 's3'].every((d) => results.some((r) => r.driver === d)) ? 'yes' : `no (drivers run: ${DRIVERS.join(', ')})`} |
| push throughput while GC runs reported (the issue sets no number) | yes |
| every blob of both runs freed, none kept by mistake | ${results.every((r) => r.freedSecond === BUSY_BLOBS) ? 'yes' : 'no'} |
`;
const out = process.env.GC_OUT ?? fileURLToPath(new URL('./RESULTS-gc.md', import.meta.url));
writeFileSync(out, report);
process.stderr.write(`gc bench: wrote ${out}\n`);
process.exit(0);
