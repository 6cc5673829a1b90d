// The small-Berth figures of docs/edge.md: `bin/berth.js serve` (the launcher users run) started ROUNDS times
// on an empty data folder, each start followed by a restart on the folder it made. For each start: spawn to the
// first 200 on GET /v2/ and the server's CPU time then; spawn to the first 200 on GET /v2/_catalog, which only
// the whole registry answers (/v2/ is answered from the port bound before the app loads, src/server/door.ts);
// after IDLE seconds its resident memory (VmRSS, and the
// peak VmHWM). Then the size of a fresh data folder. The client is this one process, asking every millisecond:
// a poller that spawns a program per attempt (curl in a shell loop) takes CPU from the starting server on a
// small machine and is timed with it.
//
//   node bench/edge.mjs            ROUNDS=5 IDLE=10 (seconds) by default
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuMs, freePort, median, serverEnv, sleep, statusMiB, statusOf } from './lib/start-probe.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.env.ROUNDS ?? 5);
const idle = Number(process.env.IDLE ?? 10);
const GOAL_START_MS = 300;
const GOAL_RSS_MIB = 80;

async function start(data) {
  const port = await freePort();
  const t0 = process.hrtime.bigint();
  const child = spawn(
    join(root, 'bin/berth.js'),
    ['serve', '--host', '127.0.0.1', '--port', `${port}`, '--data', data],
    { env: serverEnv({ BERTH_AUTH: 'off' }), stdio: 'ignore' },
  );
  const answered = async (path) => {
    while ((await statusOf(port, path)) !== 200) {
      if (child.exitCode !== null) throw new Error(`berth exited with ${child.exitCode}`);
      await sleep(1);
    }
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  try {
    const ms = await answered('/v2/');
    const cpu = cpuMs(child.pid);
    const whole = await answered('/v2/_catalog');
    await sleep(idle * 1000);
    return { ms, cpu, whole, rss: statusMiB(child.pid, 'VmRSS'), hwm: statusMiB(child.pid, 'VmHWM') };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  }
}

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`node ${process.version}, ${rounds} rounds, idle ${idle} s, load at start ${load()}`);
const first = [];
const again = [];
let folderKiB = 0;
for (let r = 0; r < rounds; r++) {
  const data = mkdtempSync(join(tmpdir(), 'berth-edge-'));
  try {
    first.push(await start(data));
    if (r === 0) folderKiB = Number(execFileSync('du', ['-sk', data]).toString().split('\t')[0]);
    again.push(await start(data));
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
  const [a, b] = [first.at(-1), again.at(-1)];
  console.log(
    `round ${r + 1}: empty folder ${a.ms.toFixed(0)} ms (${a.cpu.toFixed(0)} cpu-ms, whole ${a.whole.toFixed(0)} ms), ` +
      `restart ${b.ms.toFixed(0)} ms (${b.cpu.toFixed(0)} cpu-ms, whole ${b.whole.toFixed(0)} ms); idle RSS ${a.rss.toFixed(1)} / ${b.rss.toFixed(1)} MiB`,
  );
}
const span = (xs, digits = 0) =>
  `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)} (median ${median(xs).toFixed(digits)})`;
const met = (ok) => (ok ? 'met' : '**not met**');
const all = [...first, ...again];
console.log(`load at end ${load()}\n`);
console.log('| figure | measured | goal |');
console.log('|---|---|---|');
console.log(
  `| idle RSS, ${idle} s after start | ${span(all.map((x) => x.rss), 1)} MiB VmRSS (peak VmHWM ${span(all.map((x) => x.hwm), 1)}) | < ${GOAL_RSS_MIB} MiB — ${met(Math.max(...all.map((x) => x.rss)) < GOAL_RSS_MIB)} |`,
);
for (const [label, runs, key] of [
  ['start-up to the first `200` on `/v2/`, empty data folder', first, 'ms'],
  ['start-up, restart on an existing data folder', again, 'ms'],
  ['the whole registry: first `200` on `/v2/_catalog`, empty data folder', first, 'whole'],
  ['the whole registry, restart on an existing data folder', again, 'whole'],
]) {
  const wall = runs.map((x) => x[key]);
  const cpu = key === 'ms' ? `, ${span(runs.map((x) => x.cpu))} ms CPU` : '';
  console.log(`| ${label} | ${span(wall)} ms wall${cpu} | < ${GOAL_START_MS} ms — ${met(median(wall) < GOAL_START_MS)} |`);
}
console.log(`| data folder of an empty Berth | ${folderKiB} KiB | |`);
