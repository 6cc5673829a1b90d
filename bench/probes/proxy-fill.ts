/**
 * Where a proxy fill's CPU goes: one uncached blob (PROBE_MIB, default 128)
 * pulled through an empty proxy project, PROBE_PULLS times (a fresh blob
 * each), alternating with a direct pull from the upstream (CNCF
 * Distribution). Prints, per pull, Berth's CPU split by thread (main, libuv
 * pool, hashing worker, V8 helpers; user/system) and the time against the
 * direct pull just before it.
 *
 *   npm run build && node --import tsx bench/probes/proxy-fill.ts
 *   PROBE_ROOT=DIR: run the Berth build in DIR (bin/ and dist/) instead.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { drainBody, pushBlob, request, sha256Digest } from '../lib/net.ts';
import { startBerth, startDistribution } from '../servers.ts';

const MIB = Number(process.env.PROBE_MIB ?? 128);
const PULLS = Number(process.env.PROBE_PULLS ?? 4);
const ROOT = path.resolve(
  process.env.PROBE_ROOT ?? path.join(path.dirname(new URL(import.meta.url).pathname), '../..'),
);

/** CPU ticks (1/100 s) per thread group of a process: name → [user, system]. */
function threads(pid: number): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const group = tid === String(pid) ? 'main' : name.replace(/[0-9]+$/, '').trim();
      const [u, s] = out.get(group) ?? [0, 0];
      out.set(group, [u + Number(rest[11]), s + Number(rest[12])]);
    } catch {
      // exited
    }
  }
  return out;
}

function diff(a: Map<string, [number, number]>, b: Map<string, [number, number]>): string {
  const parts: string[] = [];
  let total = 0;
  for (const [k, [u, s]] of b) {
    const [u0, s0] = a.get(k) ?? [0, 0];
    const du = u - u0;
    const ds = s - s0;
    total += du + ds;
    if (du + ds > 0) parts.push(`${k} ${(du / 100).toFixed(2)}u+${(ds / 100).toFixed(2)}s`);
  }
  return `total ${(total / 100).toFixed(2)} s: ${parts.join(', ')}`;
}

/** Chunks the last drain received (as Berth's own upstream client would see them). */
let chunks = 0;
const drain = (url: string) => {
  chunks = 0;
  return drainBody(url, () => {
    chunks++;
  });
};

const work = mkdtempSync(path.join(tmpdir(), 'berth-fill-probe-'));
process.env.BERTH_OUTBOUND_ALLOW = '127.0.0.0/8,::1';
const upstream = await startDistribution({
  dataDir: path.join(work, 'dist'),
  workDir: path.join(work, 'dist-work'),
  logFile: path.join(work, 'dist.log'),
});
const berth = await startBerth({
  root: ROOT,
  dataDir: path.join(work, 'berth'),
  logFile: path.join(work, 'berth.log'),
});
// PROBE_PERF=FILE: `perf record` of Berth's process during the pulls (kernel and native frames).
const perf = process.env.PROBE_PERF
  ? spawn('perf', ['record', '-F', '499', '-g', '-p', String(berth.pid), '-o', process.env.PROBE_PERF], {
      stdio: 'ignore',
    })
  : null;
try {
  const api = (p: string, body: unknown) =>
    request('POST', `${berth.url}/api/v2.0${p}`, {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  const reg = await api('/registries', { name: 'up', type: 'docker-registry', url: upstream.url });
  const id = Number(String(reg.headers.location).split('/').pop());
  await api('/projects', { project_name: 'proxy', registry_id: id, metadata: { public: 'true' } });
  await api('/projects', { project_name: 'hosted', metadata: { public: 'true' } });
  const ratios: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < PULLS; i++) {
    const blob = randomBytes(MIB * 1024 * 1024);
    const digest = sha256Digest(blob);
    await pushBlob(upstream.url, 'probe/img', blob);
    await drain(`${upstream.url}/v2/probe/img/blobs/${digest}`); // page cache warm
    const t0 = performance.now();
    await drain(`${upstream.url}/v2/probe/img/blobs/${digest}`);
    const direct = performance.now() - t0;
    const directChunks = chunks;
    const before = threads(berth.pid);
    const c0 = berth.cpuSeconds();
    const t1 = performance.now();
    const n = await drain(`${berth.url}/v2/proxy/probe/img/blobs/${digest}`);
    const through = performance.now() - t1;
    await new Promise((r) => setTimeout(r, 300)); // the commit and its fsync
    if (n !== blob.length) throw new Error(`got ${n} of ${blob.length} bytes`);
    const cpu = berth.cpuSeconds() - c0;
    cpus.push(cpu);
    ratios.push(through / direct);
    if (process.env.PROBE_PUSH) {
      // The store alone: the same bytes pushed to a hosted project in one request.
      const t2 = performance.now();
      const c2 = berth.cpuSeconds();
      const p = await request('POST', `${berth.url}/v2/hosted/probe/img/blobs/uploads/?digest=${digest}`, {
        body: blob,
        headers: { 'content-type': 'application/octet-stream' },
      });
      if (p.status !== 201) throw new Error(`push: ${p.status}`);
      console.log(
        `  push to hosted: ${(performance.now() - t2).toFixed(0)} ms, CPU ${(berth.cpuSeconds() - c2).toFixed(2)} s`,
      );
    }
    console.log(
      `pull ${i}: direct ${direct.toFixed(0)} ms (${directChunks} chunks; ${chunks} through Berth), through Berth ${through.toFixed(0)} ms (${(through / direct).toFixed(2)}x); Berth CPU ${cpu.toFixed(2)} s; ${diff(before, threads(berth.pid))}`,
    );
  }
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  console.log(
    `median ratio ${sorted(ratios)[ratios.length >> 1]?.toFixed(2)}x, median CPU ${sorted(cpus)[cpus.length >> 1]?.toFixed(2)} s per ${MIB} MiB; load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
} finally {
  if (perf) {
    perf.kill('SIGINT');
    await new Promise((r) => perf.on('exit', r));
  }
  await berth.stop();
  await upstream.stop();
  rmSync(work, { recursive: true, force: true });
}
