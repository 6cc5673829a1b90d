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
