// Start-up of two builds, alternately: spawn → first 200 on GET /v2/ (wall ms and the server's CPU then),
// spawn → first 200 on GET /v2/_catalog (a request that needs the whole server: with `serve` listening
// before the features are wired it waits for them), and the idle RSS after IDLE seconds. The client is
// this process, retrying every millisecond (no curl spawned per attempt), so the figures are the server's.
//   node bench/probes/startup-ab.mjs A_ENTRY B_ENTRY [rounds]     (an entry: DIR/dist/bundle/main.js)
//   IDLE=3 (seconds before reading RSS); every start reuses one data folder per build, made by a first,
//   unmeasured start. BACKEND=s3pg: S3 (scripts/s3-up.sh's S3_* variables) and a new PostgreSQL database
//   per build on 127.0.0.1:5432 instead of the filesystem and SQLite.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs, freePort, median, serverEnv, sleep, statusMiB, statusOf } from '../lib/start-probe.mjs';

const [a, b, roundsArg] = process.argv.slice(2);
if (!a || !b) throw new Error('usage: startup-ab.mjs A_ENTRY B_ENTRY [rounds]');
const rounds = Number(roundsArg ?? 5);
const idle = Number(process.env.IDLE ?? 3);
function env(name) {
  const e = serverEnv({ BERTH_AUTH: 'off', BERTH_LOG_LEVEL: 'warn' });
  if (process.env.BACKEND !== 's3pg') return e;
  const db = `berth_startup_ab_${process.pid}_${name}`;
  execFileSync('psql', ['-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-c', `create database ${db}`]);
  return {
    ...e,
    db,
    BERTH_STORAGE_DRIVER: 's3',
    BERTH_S3_BUCKET: db.replaceAll('_', '-'),
    BERTH_DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${db}`,
    BERTH_S3_ENDPOINT: process.env.S3_ENDPOINT,
    BERTH_S3_ACCESS_KEY: process.env.S3_ACCESS_KEY,
    BERTH_S3_SECRET_KEY: process.env.S3_SECRET_KEY,
    BERTH_S3_REGION: process.env.S3_REGION ?? 'us-east-1',
  };
}

async function start(entry, data, envs, measure) {
  const port = await freePort();
  const t0 = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    ['--max-semi-space-size=4', '--v8-pool-size=1', entry, 'serve', '--host', '127.0.0.1', '--port', `${port}`, '--data', data],
    { env: envs, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
  const out = {};
  try {
    // The first connection accepted: the server listens; what follows until its 200 is the wait for the loop.
    const connected = () => {
      out.listen ??= ms();
    };
    while ((await statusOf(port, '/v2/', connected)) !== 200) {
      if (child.exitCode !== null) throw new Error(`${entry} exited`);
      await sleep(1);
    }
    out.v2 = ms();
    out.v2cpu = cpuMs(child.pid);
    if (measure) {
      while ((await statusOf(port, '/v2/_catalog')) !== 200) await sleep(1);
      out.all = ms();
      out.allcpu = cpuMs(child.pid);
      await sleep(idle * 1000);
      out.rss = statusMiB(child.pid, 'VmRSS');
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  }
  return out;
}

const builds = [
  { name: 'A', entry: a, runs: [] },
  { name: 'B', entry: b, runs: [] },
];
for (const build of builds) {
  build.data = mkdtempSync(join(tmpdir(), `berth-startup-ab-${build.name}-`));
  const { db, ...envs } = env(build.name.toLowerCase());
  build.env = envs;
  build.db = db;
  await start(build.entry, build.data, build.env, false);
}
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`load at start ${load()}`);
for (let r = 0; r < rounds; r++) {
  for (const build of r % 2 ? [...builds].reverse() : builds) {
    const run = await start(build.entry, build.data, build.env, true);
    build.runs.push(run);
    console.log(
      `${build.name} round ${r + 1}: listening ${run.listen.toFixed(0)} ms; /v2/ ${run.v2.toFixed(0)} ms ${run.v2cpu.toFixed(0)} cpu-ms; ` +
        `/v2/_catalog ${run.all.toFixed(0)} ms ${run.allcpu.toFixed(0)} cpu-ms; idle RSS ${run.rss.toFixed(1)} MiB`,
    );
  }
}
console.log(`load at end ${load()}`);
for (const build of builds) {
  const m = (k) => median(build.runs.map((x) => x[k])).toFixed(0);
  console.log(
    `${build.name} median of ${build.runs.length}: listening ${m('listen')} ms; /v2/ ${m('v2')} ms, ${m('v2cpu')} cpu-ms; ` +
      `/v2/_catalog ${m('all')} ms, ${m('allcpu')} cpu-ms; idle RSS ${median(build.runs.map((x) => x.rss)).toFixed(1)} MiB  (${build.entry})`,
  );
  rmSync(build.data, { recursive: true, force: true });
  if (build.db) execFileSync('psql', ['-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-c', `drop database ${build.db}`]);
}
