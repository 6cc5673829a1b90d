/**
 * Where a first pull's wall time goes: one fresh PROBE_MIB blob (default 24)
 * pulled through an empty proxy project, PROBE_PULLS times, each after a
 * direct pull of it from the upstream (CNCF Distribution). Prints, per pull,
 * the client's timeline: response headers, first byte, all but the last
 * byte, the last byte; and the manifest GET (a miss, then a hit).
 *
 *   npm run build && node --import tsx bench/probes/proxy-timeline.ts
 *   PROBE_ROOT=DIR: run the Berth build in DIR (bin/ and dist/) instead.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { agent, pushBlob, request } from '../lib/net.ts';
import { startBerth, startDistribution } from '../servers.ts';

const MIB = Number(process.env.PROBE_MIB ?? 24);
const PULLS = Number(process.env.PROBE_PULLS ?? 4);
const ROOT = path.resolve(
  process.env.PROBE_ROOT ?? path.join(path.dirname(new URL(import.meta.url).pathname), '../..'),
);

interface Timeline {
  headers: number;
  first: number;
  allButLast: number;
  end: number;
}

function timeline(url: string, size: number): Promise<Timeline> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        const tl: Timeline = { headers: performance.now() - t0, first: -1, allButLast: -1, end: -1 };
        let n = 0;
        res.on('data', (c: Buffer) => {
          if (n === 0) tl.first = performance.now() - t0;
          n += c.length;
          if (n >= size - 1 && tl.allButLast < 0) tl.allButLast = performance.now() - t0;
        });
        res.on('end', () => {
          tl.end = performance.now() - t0;
          if (res.statusCode !== 200 || n !== size) reject(new Error(`${url}: ${res.statusCode}, ${n} bytes`));
          else resolve(tl);
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const work = mkdtempSync(path.join(tmpdir(), 'berth-timeline-'));
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
const f = (x: number) => x.toFixed(1).padStart(6);
const line = (t: Timeline) =>
  `headers ${f(t.headers)} first ${f(t.first)} size-1 ${f(t.allButLast)} end ${f(t.end)} ms`;
try {
  const api = (p: string, body: unknown) =>
    request('POST', `${berth.url}/api/v2.0${p}`, {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  const reg = await api('/registries', { name: 'up', type: 'docker-registry', url: upstream.url });
  const id = Number(String(reg.headers.location).split('/').pop());
  await api('/projects', { project_name: 'proxy', registry_id: id, metadata: { public: 'true' } });
  for (let i = 0; i < PULLS; i++) {
    const blob = randomBytes(MIB * 1024 * 1024);
    const repo = `probe/img${i}`;
    const digest = await pushBlob(upstream.url, repo, blob);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: blob.length },
      layers: [],
    });
    await request('PUT', `${upstream.url}/v2/${repo}/manifests/v1`, {
      body: manifest,
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    });
    await timeline(`${upstream.url}/v2/${repo}/blobs/${digest}`, blob.length); // page cache warm
    const direct = await timeline(`${upstream.url}/v2/${repo}/blobs/${digest}`, blob.length);
    const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
    let t = performance.now();
    await request('GET', `${upstream.url}/v2/${repo}/manifests/v1`, { headers: accept });
    const mDirect = performance.now() - t;
    t = performance.now();
    await request('GET', `${berth.url}/v2/proxy/${repo}/manifests/v1`, { headers: accept });
    const mMiss = performance.now() - t;
    t = performance.now();
    await request('GET', `${berth.url}/v2/proxy/${repo}/manifests/v1`, { headers: accept });
    const mHit = performance.now() - t;
    const through = await timeline(`${berth.url}/v2/proxy/${repo}/blobs/${digest}`, blob.length);
    console.log(`pull ${i}: ${MIB} MiB`);
    console.log(`  direct  ${line(direct)}`);
    console.log(`  through ${line(through)}  (${(through.end / direct.end).toFixed(2)}x)`);
    console.log(`  manifest: direct ${f(mDirect)} ms, miss ${f(mMiss)} ms, hit ${f(mHit)} ms`);
  }
  console.log(`load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
} finally {
  await berth.stop();
  await upstream.stop();
  rmSync(work, { recursive: true, force: true });
}
