/**
 * The pull storm on its own, for profiling on a busy machine: Berth and
 * Distribution (filesystem drivers) side by side, the same storm against each
 * in turn PAIRS times (A B, A B, …), printing per run the aggregate MB/s,
 * the server's CPU seconds per GiB sent and the client's, and per pair the
 * throughput ratio. CPU per GiB moves much less with other load than MB/s.
 *
 *   STORM_CLIENTS=200 STORM_LAYER_MIB=20 STORM_PAIRS=2 node --import tsx bench/probes/storm-cpu.ts
 *   BERTH_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" … (Berth runs under node with these flags, else its launcher)
 *   ROOT=DIR runs the Berth built in DIR; STORM_SIDES=berth,base,distribution with BASE=DIR adds a second
 *   Berth (e.g. a worktree of main) for a before/after in the same run.
 *   STORM_ATTACH='strace -c -f -p $PID -o /tmp/x' runs that shell command around each storm (PID: the server;
 *   SIGINT when the storm ends), e.g. strace -c or perf record.
 *   STORM_S3=1 puts every server on the S3 server of S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET
 *   (`set -a; . DIR/s3.env; set +a` after scripts/s3-up.sh DIR), each under a prefix of its own.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ServerHandle, startBerth, startDistribution } from '../servers.ts';
import { buildOciLayout, pushImage } from '../workloads/image.ts';
import { pullStorm } from '../workloads/pulls.ts';

const env = process.env;
const CLIENTS = Number(env.STORM_CLIENTS ?? 200);
const LAYER = Number(env.STORM_LAYER_MIB ?? 20) * 2 ** 20;
const PAIRS = Number(env.STORM_PAIRS ?? 2);
const ROOT = env.ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SIDES = (env.STORM_SIDES ?? 'berth,distribution').split(',');
const S3 = env.STORM_S3 === '1';
const prefix = (side: string) => `storm-${process.pid}-${side}`;
const berthS3 = (side: string) =>
  S3
    ? {
        BERTH_STORAGE_DRIVER: 's3',
        BERTH_S3_ENDPOINT: env.S3_ENDPOINT,
        BERTH_S3_ACCESS_KEY: env.S3_ACCESS_KEY,
        BERTH_S3_SECRET_KEY: env.S3_SECRET_KEY,
        BERTH_S3_REGION: env.S3_REGION ?? 'us-east-1',
        BERTH_S3_BUCKET: env.S3_BUCKET,
        BERTH_S3_PREFIX: `${prefix(side)}/`,
      }
    : undefined;
const distS3 = S3
  ? {
      endpoint: env.S3_ENDPOINT ?? '',
      region: env.S3_REGION ?? 'us-east-1',
      bucket: env.S3_BUCKET ?? '',
      accessKey: env.S3_ACCESS_KEY ?? '',
      secretKey: env.S3_SECRET_KEY ?? '',
      rootDirectory: `/${prefix('distribution')}`,
    }
  : undefined;

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'storm-'));
  try {
    const img = await buildOciLayout(path.join(work, 'image'), 'v1', 5, LAYER);
    const servers: Record<string, ServerHandle> = {};
    for (const side of SIDES) {
      const dataDir = path.join(work, `data-${side}`);
      const logFile = path.join(work, `${side}.log`);
      servers[side] =
        side !== 'distribution'
          ? await startBerth({
              root: side === 'base' ? (env.BASE ?? ROOT) : ROOT,
              dataDir,
              logFile,
              env: berthS3(side),
              ...(env.BERTH_FLAGS ? { cpuProfDir: path.join(work, 'prof') } : {}),
            })
          : await startDistribution({ dataDir, workDir: path.join(work, 'conf'), logFile, s3: distS3 });
      await pushImage(servers[side].url, 'storm/app', 'v1', img);
    }
    const mbps: Record<string, number[]> = {};
    for (let pair = 0; pair < PAIRS; pair++) {
      for (const side of SIDES) {
        const s = servers[side];
        const attached = env.STORM_ATTACH
          ? spawn('sh', ['-c', env.STORM_ATTACH], { env: { ...process.env, PID: String(s.pid) }, stdio: 'inherit' })
          : null;
        if (attached) await new Promise((r) => setTimeout(r, 1000));
        const c0 = s.cpuSeconds();
        const u0 = process.cpuUsage();
        const f = await pullStorm(s.url, 'storm/app', 'v1', CLIENTS);
        const server = s.cpuSeconds() - c0;
        const u = process.cpuUsage(u0);
        if (attached) {
          const exited = new Promise((r) => attached.on('exit', r));
          attached.kill('SIGINT');
          await exited;
        }
        const gib = (f.MBps * f.seconds * 1e6) / 2 ** 30;
        mbps[side] = [...(mbps[side] ?? []), f.MBps];
        process.stdout.write(
          `${side.padEnd(12)} ${f.MBps.toFixed(0).padStart(5)} MB/s  ${f.seconds.toFixed(1)} s  p99 ${f.p99ms.toFixed(0)} ms  errors ${f.errors} (resent ${f.retries})  server ${(server / gib).toFixed(2)} CPU-s/GiB  client ${((u.user + u.system) / 1e6 / gib).toFixed(2)} CPU-s/GiB  rss ${(s.peakRssKiB() / 1024).toFixed(0)} MiB  load ${(await import('node:os')).loadavg()[0].toFixed(1)}${f.firstError ? `  first error: ${f.firstError}` : ''}\n`,
        );
      }
      for (const side of SIDES.slice(1))
        process.stdout.write(
          `round ${pair + 1}: ${SIDES[0]}/${side} ${(mbps[SIDES[0]][pair] / mbps[side][pair]).toFixed(2)}×\n`,
        );
    }
    for (const s of Object.values(servers)) await s.stop();
  } finally {
    if (env.STORM_KEEP !== '1') rmSync(work, { recursive: true, force: true });
    else process.stdout.write(`kept ${work}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
