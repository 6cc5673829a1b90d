// What the start-up probes (bench/edge.mjs, bench/probes/startup-ab.mjs) read of a server they spawned, and how
// they ask it: plain JavaScript, so they run with `node` alone, without the bench's TypeScript loader.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';

const tck = Number(execFileSync('getconf', ['CLK_TCK']).toString());

/** CPU time (user + system) process `pid` has used, ms. */
export const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / tck;
};

/** A memory figure of /proc/PID/status (`VmRSS`, `VmHWM`), MiB. */
export const statusMiB = (pid, key) =>
  Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

/** Status of one GET on a new connection (0: refused or failed); `onConnect` runs once the connection is up. */
export const statusOf = (port, path, onConnect) =>
  new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    if (onConnect) req.on('socket', (socket) => socket.once('connect', onConnect));
    req.end();
  });

/**
 * The environment a measured Berth starts with: this process's, with `extra`, without NODE_EXTRA_CA_CERTS.
 * These machines set that to the whole system CA bundle (225 KB), which Node 20 reads and parses at every
 * start, before any JavaScript runs: +40–58 ms to `node -e 0` here (bench/FINDINGS.md, "Session 13"). A
 * deployment (the container image, the chart, the systemd unit) does not set it. BENCH_EXTRA_CA=keep keeps it.
 */
export const serverEnv = (extra = {}) => {
  const env = { ...process.env, ...extra };
  if (process.env.BENCH_EXTRA_CA !== 'keep') delete env.NODE_EXTRA_CA_CERTS;
  return env;
};

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

export const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
