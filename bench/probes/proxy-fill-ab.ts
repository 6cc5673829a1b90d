/**
 * Before/after of a proxy fill in one run: two Berth builds (PROBE_A_ROOT,
 * PROBE_B_ROOT: directories with bin/ and dist/; PROBE_A_ENV / PROBE_B_ENV:
 * "KEY=VALUE …" for each) on one upstream (CNCF Distribution), each pulling
 * the same fresh PROBE_MIB blob (default 128) through an empty proxy project,
 * PROBE_PULLS times (default 6), alternately first. Each side's CPU counts
 * until it has been quiet for 200 ms (the store's work after the last byte).
 *
 *   PROBE_A_ROOT=/tmp/old PROBE_B_ROOT=. node --import tsx bench/probes/proxy-fill-ab.ts
 */

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { drainBody, pushBlob, request } from '../lib/net.ts';
import { startBerth, startDistribution } from '../servers.ts';

const MIB = Number(process.env.PROBE_MIB ?? 128);
const PULLS = Number(process.env.PROBE_PULLS ?? 6);
const envOf = (s: string | undefined) =>
  Object.fromEntries(
    (s ?? '')
      .split(' ')
      .filter(Boolean)
      .map((kv) => kv.split('=') as [string, string]),
  );
const work = mkdtempSync(path.join(tmpdir(), 'berth-ab-'));
process.env.BERTH_OUTBOUND_ALLOW = '127.0.0.0/8,::1';
const upstream = await startDistribution({
  dataDir: path.join(work, 'dist'),
  workDir: path.join(work, 'dist-work'),
  logFile: path.join(work, 'dist.log'),
});
const sides = [] as { name: string; b: Awaited<ReturnType<typeof startBerth>>; cpu: number[]; t: number[] }[];
for (const name of ['A', 'B']) {
  const b = await startBerth({
    root: path.resolve(process.env[`PROBE_${name}_ROOT`] ?? '.'),
    dataDir: path.join(work, name),
    logFile: path.join(work, `${name}.log`),
    env: envOf(process.env[`PROBE_${name}_ENV`]),
  });
  const api = (p: string, body: unknown) =>
    request('POST', `${b.url}/api/v2.0${p}`, {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  const reg = await api('/registries', { name: 'up', type: 'docker-registry', url: upstream.url });
  const id = Number(String(reg.headers.location).split('/').pop());
  await api('/projects', { project_name: 'proxy', registry_id: id, metadata: { public: 'true' } });
  sides.push({ name, b, cpu: [], t: [] });
}
const direct: number[] = [];
try {
  for (let i = 0; i < PULLS; i++) {
    const blob = randomBytes(MIB * 1024 * 1024);
    const digest = await pushBlob(upstream.url, 'p/img', blob);
    await drainBody(`${upstream.url}/v2/p/img/blobs/${digest}`);
    const t0 = performance.now();
    await drainBody(`${upstream.url}/v2/p/img/blobs/${digest}`);
    direct.push(performance.now() - t0);
    for (const s of i % 2 ? [...sides].reverse() : sides) {
      const c0 = s.b.cpuSeconds();
      const t1 = performance.now();
      const n = await drainBody(`${s.b.url}/v2/proxy/p/img/blobs/${digest}`);
      s.t.push(performance.now() - t1);
      for (let q = 0; q < 25; q++) {
        const c = s.b.cpuSeconds();
        await new Promise((r) => setTimeout(r, 200));
        if (s.b.cpuSeconds() - c < 0.005) break;
      }
      s.cpu.push(s.b.cpuSeconds() - c0);
      if (n !== blob.length) throw new Error('short');
    }
    console.log(
      `pull ${i}: direct ${direct[i]!.toFixed(0)} ms | ${sides.map((s) => `${s.name} ${s.t[i]!.toFixed(0)} ms ${s.cpu[i]!.toFixed(2)} s`).join(' | ')}`,
    );
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  for (const s of sides)
    console.log(
      `${s.name}: median CPU ${med(s.cpu.slice(1)).toFixed(2)} s, median ratio ${med(s.t.slice(1).map((t, i) => t / direct[i + 1]!)).toFixed(2)}x (pull 0 left out)`,
    );
  console.log(`load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
} finally {
  for (const s of sides) await s.b.stop();
  await upstream.stop();
  rmSync(work, { recursive: true, force: true });
}
