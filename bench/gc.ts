/**
 * GC benchmark: time to collect N garbage blobs (default 100,000) on the
 * filesystem and on S3, and push throughput while a run goes on.
 *
 *   node --import tsx bench/gc.ts                 # fs, and S3 when S3_ENDPOINT is set
 *   GC_BLOBS=5000 GC_DRIVERS=fs node --import tsx bench/gc.ts
 *
 * Blobs are written straight through the registry's ports (no HTTP), aged
 * past the grace window, and collected by one run; pushes (one 4 KiB layer,
 * config and manifest each, through the registry's use cases) are counted
 * for GC_PUSH_SECONDS (default 5) without GC and then during a second run
 * over as many blobs. Prints a table and writes bench/work/GC.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { SqliteStore } from '../src/adapters/metadata/sqlite.ts';
import { blobKey, digestOf } from '../src/core/digest.ts';
import type { Registry } from '../src/core/registry.ts';
import { openLifecycle, openRegistry } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';

const BLOBS = Number(process.env.GC_BLOBS ?? 100_000);
const PUSH_SECONDS = Number(process.env.GC_PUSH_SECONDS ?? 5);
const DRIVERS = (process.env.GC_DRIVERS ?? (process.env.S3_ENDPOINT ? 'fs,s3' : 'fs')).split(',');
const WRITERS = 32;

/** The configuration of a registry over `dir` on `driver` (S3: the S3_* variables of scripts/s3-up.sh). */
function configFor(driver: string, dir: string) {
  const s3 =
    driver === 's3'
      ? {
          BERTH_STORAGE_DRIVER: 's3',
          BERTH_S3_ENDPOINT: process.env.S3_ENDPOINT ?? '',
          BERTH_S3_REGION: process.env.S3_REGION ?? 'us-east-1',
          BERTH_S3_BUCKET: process.env.S3_BUCKET ?? 'berth-test',
          BERTH_S3_PREFIX: `bench-gc-${Date.now()}/`,
          BERTH_S3_ACCESS_KEY: process.env.S3_ACCESS_KEY ?? '',
          BERTH_S3_SECRET_KEY: process.env.S3_SECRET_KEY ?? process.env.S3_SECRET ?? '',
        }
      : {};
  return loadConfig({ env: { BERTH_DATA: dir, BERTH_AUTH: 'off', BERTH_LOG_LEVEL: 'silent', ...s3 } });
}

/** N small blobs, stored and recorded (linked to a repository) in batches, already past the grace window. */
async function seed(registry: Registry, n: number): Promise<void> {
  const { db } = registry.metadata as SqliteStore;
  const old = '2000-01-01T00:00:00.000Z';
  let next = 0;
  const writer = async () => {
    for (;;) {
      const start = next;
      next += 500;
      if (start >= n) return;
      const rows: { digest: string; size: number }[] = [];
      for (let i = start; i < Math.min(n, start + 500); i++) {
        const bytes = randomBytes(64);
        const digest = digestOf(bytes, 'sha256');
        await registry.storage.put(blobKey(digest), bytes);
        rows.push({ digest, size: bytes.length });
      }
      // One statement per table per 500 blobs: seeding is not what is measured.
      await db
        .insertInto('blobs')
        .values(rows.map((r) => ({ ...r, created_at: old })))
        .execute();
      await db
        .insertInto('repository_blobs')
        .values(rows.map((r) => ({ repository: 'bench/garbage', digest: r.digest, created_at: old })))
        .execute();
    }
  };
  await registry.metadata.ensureRepository('bench/garbage');
  await Promise.all(Array.from({ length: WRITERS }, writer));
}

async function pushOne(registry: Registry, i: number): Promise<void> {
  const layer = randomBytes(4096);
  const config = Buffer.from(JSON.stringify({ i, r: randomBytes(8).toString('hex') }));
  const repo = 'bench/app';
  for (const b of [layer, config])
    await registry.uploads.monolithic(
      repo,
      digestOf(b, 'sha256'),
      (async function* () {
        yield b;
      })(),
    );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: digestOf(config, 'sha256'),
        size: config.length,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(layer, 'sha256'), size: layer.length },
      ],
    }),
  );
  await registry.putManifest(repo, `t${i}`, manifest, 'application/vnd.oci.image.manifest.v1+json');
}

/** Pushes per second for `seconds` (or until `until` resolves), 4 at a time. */
async function pushRate(registry: Registry, seconds: number, until?: Promise<unknown>): Promise<number> {
  const started = performance.now();
  let done = 0;
  let stop = false;
  until?.then(() => {
    stop = true;
  });
  const worker = async (w: number) => {
    while (!stop && performance.now() - started < seconds * 1000) await pushOne(registry, w * 1_000_000 + done++);
  };
  await Promise.all([0, 1, 2, 3].map(worker));
  return done / ((performance.now() - started) / 1000);
}

async function bench(driver: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-gc-'));
  try {
    // Opened as the server opens it: the lifecycle feature finds its stores through the registry's ports.
    const registry = await openRegistry(configFor(driver, dir));
    const { metadata } = registry;
    const lifecycle = openLifecycle(registry);
    const params = { dryRun: false, deleteUntagged: false, workers: 4, timeWindowHours: 2 };

    let t = performance.now();
    await seed(registry, BLOBS);
    const seedS = (performance.now() - t) / 1000;
    t = performance.now();
    const run = await lifecycle.gc.start('Manual', params);
    await lifecycle.gc.drain();
    const gcS = (performance.now() - t) / 1000;
    const done = await lifecycle.gc.store.run(run.id);
    if (done?.blobsDeleted !== BLOBS) throw new Error(`run freed ${done?.blobsDeleted} of ${BLOBS} blobs`);

    const idle = await pushRate(registry, PUSH_SECONDS);
    await seed(registry, BLOBS);
    const second = await lifecycle.gc.start('Manual', params);
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const during = lifecycle.gc.drain();
    const busy = await pushRate(registry, 3600, during);
    await during;
    lag.disable();
    const lagMs = `${(lag.percentile(99) / 1e6).toFixed(0)} / ${(lag.max / 1e6).toFixed(0)} ms`;
    const secondDone = await lifecycle.gc.store.run(second.id);
    await lifecycle.stop();
    await metadata.close();
    return [
      `| ${driver} | ${BLOBS} | ${seedS.toFixed(1)} s | ${gcS.toFixed(1)} s (${Math.round(BLOBS / gcS)} blobs/s) | ` +
        `${idle.toFixed(0)}/s | ${busy.toFixed(0)}/s | ${lagMs} | ${secondDone?.blobsDeleted} |`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const lines = [
  '| driver | blobs | seed | GC run | pushes/s idle | pushes/s during GC | event-loop lag p99 / max during GC | freed by 2nd run |',
  '|---|---|---|---|---|---|---|---|',
];
for (const driver of DRIVERS) {
  process.stderr.write(`gc bench: ${driver}, ${BLOBS} blobs…\n`);
  lines.push(...(await bench(driver)));
}
const table = lines.join('\n');
console.log(table);
mkdirSync(new URL('./work/', import.meta.url), { recursive: true });
writeFileSync(new URL('./work/GC.md', import.meta.url), `${table}\n`);
process.exit(0);
