/**
 * The GC benchmark's registry and its garbage: a registry opened as the
 * server opens it, on fs or on S3 (the S3_* variables of scripts/s3-up.sh),
 * and N garbage blobs seeded around Berth, since seeding is not measured.
 */
import { randomBytes } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SqliteStore } from '../../src/adapters/metadata/sqlite.ts';
import { blobKey, digestOf } from '../../src/core/digest.ts';
import type { Registry } from '../../src/core/registry.ts';
import { loadConfig } from '../../src/server/config.ts';

/** Blob writers on fs; row batches in flight on both drivers. */
const WRITERS = 32;
/** S3 PUTs in flight while seeding. */
export const SEED_CONCURRENCY = Number(process.env.GC_SEED_CONCURRENCY ?? 256);

/** The configuration of a registry over `dir` on `driver`; S3 objects go under a fresh prefix. */
export function configFor(driver: string, dir: string) {
  s3Prefix = `bench-gc-${Date.now()}/`;
  const s3 =
    driver === 's3'
      ? {
          BERTH_STORAGE_DRIVER: 's3',
          BERTH_S3_ENDPOINT: process.env.S3_ENDPOINT ?? '',
          BERTH_S3_REGION: process.env.S3_REGION ?? 'us-east-1',
          BERTH_S3_BUCKET: process.env.S3_BUCKET ?? 'berth-test',
          BERTH_S3_PREFIX: s3Prefix,
          BERTH_S3_ACCESS_KEY: process.env.S3_ACCESS_KEY ?? '',
          BERTH_S3_SECRET_KEY: process.env.S3_SECRET_KEY ?? process.env.S3_SECRET ?? '',
        }
      : {};
  return loadConfig({ env: { BERTH_DATA: dir, BERTH_AUTH: 'off', BERTH_LOG_LEVEL: 'silent', ...s3 } });
}

/** Where the bench's S3 objects go (a fresh prefix per driver run). */
let s3Prefix = '';

/** A client of its own for seeding, many sockets: tiny PUTs are latency-bound, not bandwidth-bound. */
function seedClient(): S3Client {
  return new S3Client({
    region: process.env.S3_REGION ?? 'us-east-1',
    endpoint: process.env.S3_ENDPOINT,
    forcePathStyle: true,
    credentials: {
      accessKeyId: process.env.S3_ACCESS_KEY ?? '',
      secretAccessKey: process.env.S3_SECRET_KEY ?? process.env.S3_SECRET ?? '',
    },
    requestHandler: { httpAgent: { keepAlive: true, maxSockets: SEED_CONCURRENCY } },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * N small blobs, stored and recorded (linked to a repository), already past
 * the grace window. Seeding is not what is measured, so it bypasses Berth:
 * on S3 the objects are PUT straight with the AWS SDK, SEED_CONCURRENCY at
 * once, at the keys the driver uses; on fs through the driver; the rows go
 * in one INSERT per table per 500 blobs.
 */
export async function seed(registry: Registry, driver: string, n: number): Promise<void> {
  const { db } = registry.metadata as SqliteStore;
  const old = '2000-01-01T00:00:00.000Z';
  const client = driver === 's3' ? seedClient() : null;
  const bucket = process.env.S3_BUCKET ?? 'berth-test';
  const store = (key: string, bytes: Buffer) =>
    client
      ? client.send(new PutObjectCommand({ Bucket: bucket, Key: `${s3Prefix}${key}`, Body: bytes })).then(() => {})
      : registry.storage.put(key, bytes);
  const width = client ? SEED_CONCURRENCY : WRITERS;
  let next = 0;
  const writer = async () => {
    for (;;) {
      const start = next;
      next += 500;
      if (start >= n) return;
      const rows: { digest: string; size: number }[] = [];
      const blobs: Buffer[] = [];
      for (let i = start; i < Math.min(n, start + 500); i++) {
        const bytes = randomBytes(64);
        blobs.push(bytes);
        rows.push({ digest: digestOf(bytes, 'sha256'), size: bytes.length });
      }
      // Each writer keeps `width / writers` objects in flight.
      const lanes = Math.max(1, Math.floor(width / WRITERS));
      let k = 0;
      await Promise.all(
        Array.from({ length: lanes }, async () => {
          while (k < blobs.length) {
            const i = k++;
            await store(blobKey(rows[i].digest), blobs[i]);
          }
        }),
      );
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
  client?.destroy();
}
