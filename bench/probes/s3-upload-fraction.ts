/**
 * Berth's S3 uploads as a fraction of the raw S3 server, in the same minutes: for each root (a checkout with a
 * build), a monolithic and a chunked 256 MiB upload per round, the raw AWS SDK PUT measured before every round and
 * after the last (bench/workloads/s3ceiling.ts, as bench/run.ts's S3 section does). Prints MB/s and each upload's
 * fraction of the mean of the raw figures around it. S3_ENDPOINT… from scripts/s3-up.sh's s3.env; SQLite metadata
 * unless BERTH_DATABASE_URL is set.
 *   ROOTS="/base /work/main" ROUNDS=3 node --import tsx bench/probes/s3-upload-fraction.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ServerHandle, startBerth } from '../servers.ts';
import { freshBlob, makeRandomFile } from '../workloads/blobfile.ts';
import { s3Ceiling } from '../workloads/s3ceiling.ts';
import { chunkedUpload, monolithicUpload } from '../workloads/upload.ts';

const env = process.env;
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const roots = (env.ROOTS ?? here).split(/\s+/).filter(Boolean);
const rounds = Number(env.ROUNDS ?? 3);
const work = mkdtempSync(path.join(tmpdir(), 's3-fraction-'));
const target = {
  endpoint: env.S3_ENDPOINT ?? '',
  region: env.S3_REGION ?? 'us-east-1',
  bucket: env.S3_BUCKET ?? '',
  accessKey: env.S3_ACCESS_KEY ?? '',
  secretKey: env.S3_SECRET_KEY ?? '',
};
const file = path.join(work, 'blob');
makeRandomFile(file, 256 * 2 ** 20);

const servers: ServerHandle[] = [];
try {
  for (const [i, root] of roots.entries()) {
    servers.push(
      await startBerth({
        root,
        dataDir: path.join(work, `d${i}`),
        logFile: path.join(work, `log${i}`),
        env: {
          BERTH_STORAGE_DRIVER: 's3',
          BERTH_S3_ENDPOINT: target.endpoint,
          BERTH_S3_ACCESS_KEY: target.accessKey,
          BERTH_S3_SECRET_KEY: target.secretKey,
          BERTH_S3_BUCKET: target.bucket,
          BERTH_S3_PREFIX: `fraction-${process.pid}-${i}/`,
        },
      }),
    );
  }
  const raw = async () => (await s3Ceiling(target, file)).putMBps;
  let before = await raw();
  for (let round = 1; round <= rounds; round++) {
    const figures: { mono: number; chunked: number }[] = [];
    for (const server of servers) {
      const mono = await monolithicUpload(server.url, 'probe/big', (await freshBlob(file)).blob);
      const chunked = await chunkedUpload(server.url, 'probe/big', (await freshBlob(file)).blob);
      figures.push({ mono: mono.MBps, chunked: chunked.MBps });
    }
    const after = await raw();
    const mean = (before + after) / 2;
    process.stdout.write(`round ${round}: raw PUT ${before.toFixed(1)} → ${after.toFixed(1)} MB/s\n`);
    for (const [i, { mono, chunked }] of figures.entries()) {
      const line = `mono ${mono.toFixed(1)} (${(mono / mean).toFixed(2)}), chunked ${chunked.toFixed(1)} (${(chunked / mean).toFixed(2)})`;
      process.stdout.write(`  ${roots[i]}: MB/s (fraction of raw) ${line}\n`);
    }
    before = after;
  }
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(work, { recursive: true, force: true });
}
