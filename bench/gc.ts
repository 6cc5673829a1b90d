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
import { sql } from 'kysely';
import { SqliteStore } from '../src/adapters/metadata/sqlite.ts';
import { FsDriver } from '../src/adapters/storage/fs.ts';
import { blobKey, digestOf } from '../src/core/digest.ts';
import type { StorageDriver } from '../src/core/ports.ts';
import { Registry } from '../src/core/registry.ts';
import { openLifecycle } from '../src/server/app.ts';

const BLOBS = Number(process.env.GC_BLOBS ?? 100_000);
const PUSH_SECONDS = Number(process.env.GC_PUSH_SECONDS ?? 5);
const DRIVERS = (process.env.GC_DRIVERS ?? (process.env.S3_ENDPOINT ? 'fs,s3' : 'fs')).split(',');
const WRITERS = 32;

async function storageFor(driver: string, dir: string): Promise<StorageDriver> {
  if (driver === 'fs') return new FsDriver(join(dir, 'storage'));
  const { S3Driver } = await import('../src/adapters/storage/s3.ts');
  return new S3Driver({
    endpoint: process.env.S3_ENDPOINT,
    region: process.env.S3_REGION ?? 'us-east-1',
    bucket: process.env.S3_BUCKET ?? 'berth-test',
    prefix: `bench-gc-${Date.now()}/`,
    accessKeyId: process.env.S3_ACCESS_KEY,
    secretAccessKey: process.env.S3_SECRET_KEY ?? process.env.S3_SECRET,
  });
}

/** N small blobs, stored and recorded (linked to a repository), then aged past the grace window. */
async function seed(registry: Registry, n: number): Promise<void> {
  let next = 0;
  const writer = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const bytes = randomBytes(64);
      const digest = digestOf(bytes, 'sha256');
      await registry.storage.put(blobKey(digest), bytes);
      await registry.metadata.recordBlob(digest, bytes.length);
      await registry.metadata.linkBlob('bench/garbage', digest);
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  const { db } = registry.metadata as SqliteStore;
  for (const table of ['blobs', 'repository_blobs'] as const)
    await sql`UPDATE ${sql.table(table)} SET created_at = '2000-01-01T00:00:00.000Z'`.execute(db);
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
    const metadata = await SqliteStore.open(join(dir, 'berth.db'));
    await metadata.migrate();
    const registry = new Registry({ storage: await storageFor(driver, dir), metadata });
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
    const during = lifecycle.gc.drain();
    const busy = await pushRate(registry, 3600, during);
    await during;
    const secondDone = await lifecycle.gc.store.run(second.id);
    await lifecycle.stop();
    await metadata.close();
    return [
      `| ${driver} | ${BLOBS} | ${seedS.toFixed(1)} s | ${gcS.toFixed(1)} s (${Math.round(BLOBS / gcS)} blobs/s) | ` +
        `${idle.toFixed(0)}/s | ${busy.toFixed(0)}/s | ${secondDone?.blobsDeleted} |`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const lines = [
  '| driver | blobs | seed | GC run | pushes/s idle | pushes/s during GC | freed by 2nd run |',
  '|---|---|---|---|---|---|---|',
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
