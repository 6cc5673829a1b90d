/**
 * Berth's S3 uploads as a fraction of the raw S3 server, in the same minutes: for each server, a monolithic and a
 * chunked 256 MiB upload per round, the raw AWS SDK PUT measured before every round and after the last
 * (bench/workloads/s3ceiling.ts, as bench/run.ts's S3 section does). Prints per upload its MB/s, its fraction of
 * the mean of the raw figures around it, and the machine's busy and idle CPU-seconds while it ran (/proc/stat: an
 * upload that leaves the machine idle waits on something other than CPU); per round each server's peak RSS.
 * S3_ENDPOINT… from scripts/s3-up.sh's s3.env; SQLite metadata.
 *   ROOTS="/base /work/main" ROUNDS=3 node --import tsx bench/probes/s3-upload-fraction.ts
 * SETTINGS="8x2 8x4" runs one server of each root per entry, with parts of 8 MiB, 2 or 4 in flight
 * (storage.s3.part_size_mib × parts_in_flight; a build older than these settings ignores them).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ServerHandle, startBerth } from '../servers.ts';
import { freshBlob, makeRandomFile } from '../workloads/blobfile.ts';
import { s3Ceiling } from '../workloads/s3ceiling.ts';
import { chunkedUpload, monolithicUpload, type UploadFigures } from '../workloads/upload.ts';

const env = process.env;
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const roots = (env.ROOTS ?? here).split(/\s+/).filter(Boolean);
const rounds = Number(env.ROUNDS ?? 3);
const settings = (env.SETTINGS ?? '').split(/\s+/).filter(Boolean);
const sides = roots.flatMap((root) =>
  settings.length === 0
    ? [{ name: root, root, settings: {} }]
    : settings.map((s) => {
        const [mib, inFlight] = s.split('x');
        return {
          name: `${root} ${s}`,
          root,
          settings: { BERTH_S3_PART_SIZE_MIB: mib, BERTH_S3_PARTS_IN_FLIGHT: inFlight },
        };
      }),
);
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

/** Busy and idle CPU-seconds of the whole machine so far. */
function machineCpu(): { busy: number; idle: number } {
  const [user, nice, system, idle, iowait, irq, softirq] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return { busy: (user + nice + system + irq + softirq) / 100, idle: (idle + iowait) / 100 };
}

async function timed(upload: () => Promise<UploadFigures>): Promise<{ MBps: number; busy: number; idle: number }> {
  const before = machineCpu();
  const { MBps } = await upload();
  const after = machineCpu();
  return { MBps, busy: after.busy - before.busy, idle: after.idle - before.idle };
}

const servers: ServerHandle[] = [];
try {
  for (const [i, side] of sides.entries()) {
    servers.push(
      await startBerth({
        root: side.root,
        dataDir: path.join(work, `d${i}`),
        logFile: path.join(work, `log${i}`),
        env: {
          BERTH_STORAGE_DRIVER: 's3',
          BERTH_S3_ENDPOINT: target.endpoint,
          BERTH_S3_ACCESS_KEY: target.accessKey,
          BERTH_S3_SECRET_KEY: target.secretKey,
          BERTH_S3_BUCKET: target.bucket,
          BERTH_S3_PREFIX: `fraction-${process.pid}-${i}/`,
          ...side.settings,
        },
      }),
    );
  }
  const raw = async () => (await s3Ceiling(target, file)).putMBps;
  let before = await raw();
  for (let round = 1; round <= rounds; round++) {
    const figures = [];
    for (const server of servers) {
      const mono = await timed(async () => monolithicUpload(server.url, 'probe/big', (await freshBlob(file)).blob));
      const chunked = await timed(async () => chunkedUpload(server.url, 'probe/big', (await freshBlob(file)).blob));
      figures.push({ mono, chunked, peakMiB: server.peakRssKiB() / 1024 });
    }
    const after = await raw();
    const mean = (before + after) / 2;
    process.stdout.write(`round ${round}: raw PUT ${before.toFixed(1)} → ${after.toFixed(1)} MB/s\n`);
    for (const [i, { mono, chunked, peakMiB }] of figures.entries()) {
      const line = (f: typeof mono) =>
        `${f.MBps.toFixed(1)} MB/s (${(f.MBps / mean).toFixed(2)} of raw; machine busy ${f.busy.toFixed(2)} s, idle ${f.idle.toFixed(2)} s)`;
      process.stdout.write(
        `  ${sides[i].name}: mono ${line(mono)}; chunked ${line(chunked)}; peak RSS ${peakMiB.toFixed(0)} MiB\n`,
      );
    }
    before = after;
  }
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(work, { recursive: true, force: true });
}
