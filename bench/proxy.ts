/**
 * Proxy-cache figures (issue 16), standalone: `npm run build && node --import tsx bench/proxy.ts`.
 *
 * - first pull through Berth (uncached: Berth fetches from the upstream,
 *   stores and streams) against a direct pull from the upstream (CNCF
 *   Distribution on this machine); goal <= 1.2x the time;
 * - a cached pull (proxy project, everything stored) against a hosted pull of
 *   the same image; goal >= 0.95x the throughput.
 *
 * A pull = GET manifest, then every blob, 3 at a time (as containerd and
 * podman do), bodies read to the end. Each figure is the median of ROUNDS
 * (env PROXY_BENCH_ROUNDS, default 5) rounds over a fresh random image of
 * LAYERS x LAYER_MIB (env, default 4 x 32 MiB).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { agent, request } from './lib/net.ts';
import { median } from './lib/stats.ts';
import { startBerth, startDistribution } from './servers.ts';

const ROUNDS = Number(process.env.PROXY_BENCH_ROUNDS ?? 5);
const LAYERS = Number(process.env.PROXY_BENCH_LAYERS ?? 4);
const LAYER_MIB = Number(process.env.PROXY_BENCH_LAYER_MIB ?? 32);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function push(base: string, repo: string, tag: string, blobs: Buffer[]): Promise<void> {
  for (const b of blobs) {
    const start = await request('POST', `${base}/v2/${repo}/blobs/uploads/`);
    if (start.status !== 202) throw new Error(`start upload on ${base}: ${start.status} ${start.body}`);
    const location = new URL(String(start.headers.location), base);
    location.searchParams.set('digest', digestOf(b));
    const put = await request('PUT', location.href, {
      body: b,
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (put.status !== 201) throw new Error(`push blob to ${base}: ${put.status} ${put.body}`);
  }
  const [config, ...layers] = blobs as [Buffer, ...Buffer[]];
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
      layers: layers.map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: digestOf(l),
        size: l.length,
      })),
    }),
  );
  const put = await request('PUT', `${base}/v2/${repo}/manifests/${tag}`, {
    body: manifest,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  if (put.status !== 201) throw new Error(`push manifest: ${put.status} ${put.body}`);
}

/** GET a blob, counting its bytes (not buffering them). */
function drain(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
        });
        res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`${url}: ${res.statusCode}`))));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** A client pull: the manifest, then its blobs 3 at a time. Returns seconds. */
async function pull(base: string, repo: string, tag: string): Promise<number> {
  const t0 = performance.now();
  const m = await request('GET', `${base}/v2/${repo}/manifests/${tag}`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  if (m.status !== 200) throw new Error(`pull ${base}/${repo}:${tag}: ${m.status} ${m.body}`);
  const doc = JSON.parse(m.body.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  const queue = [doc.config.digest, ...doc.layers.map((l) => l.digest)];
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      for (let d = queue.shift(); d; d = queue.shift()) await drain(`${base}/v2/${repo}/blobs/${d}`);
    }),
  );
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'berth-proxy-bench-'));
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
  try {
    const api = (p: string, body: unknown) =>
      request('POST', `${berth.url}/api/v2.0${p}`, {
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    const reg = await api('/registries', { name: 'up', type: 'docker-registry', url: upstream.url });
    if (reg.status !== 201) throw new Error(`create registry: ${reg.status} ${reg.body}`);
    const id = Number(String(reg.headers.location).split('/').pop());
    for (const body of [
      { project_name: 'proxy', registry_id: id, metadata: { public: 'true' } },
      { project_name: 'hosted', metadata: { public: 'true' } },
    ]) {
      const res = await api('/projects', body);
      if (res.status !== 201) throw new Error(`create project: ${res.status} ${res.body}`);
    }
    const mib = (LAYERS * LAYER_MIB).toFixed(0);
    const direct: number[] = [];
    const first: number[] = [];
    const cached: number[] = [];
    const hosted: number[] = [];
    // CPU seconds (the process trees): the part of the cost the shared machine's load does not distort.
    let directCpu = 0;
    let firstCpu = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const blobs = [randomBytes(512), ...Array.from({ length: LAYERS }, () => randomBytes(LAYER_MIB * 1024 * 1024))];
      const repo = `bench/img${round}`;
      await push(upstream.url, repo, 'v1', blobs);
      await push(berth.url, `hosted/${repo}`, 'v1', blobs);
      // Warm the upstream's page cache the same way for both sides, then: direct, then first-through-Berth.
      await pull(upstream.url, repo, 'v1');
      let cpu0 = upstream.cpuSeconds();
      direct.push(await pull(upstream.url, repo, 'v1'));
      directCpu += upstream.cpuSeconds() - cpu0;
      cpu0 = berth.cpuSeconds() + upstream.cpuSeconds();
      first.push(await pull(berth.url, `proxy/${repo}`, 'v1'));
      firstCpu += berth.cpuSeconds() + upstream.cpuSeconds() - cpu0;
      // Cached against hosted, both read once before (the same page-cache state), alternating which goes first.
      await pull(berth.url, `hosted/${repo}`, 'v1');
      await pull(berth.url, `proxy/${repo}`, 'v1');
      for (const order of round % 2 ? ['c', 'h'] : ['h', 'c']) {
        if (order === 'c') cached.push(await pull(berth.url, `proxy/${repo}`, 'v1'));
        else hosted.push(await pull(berth.url, `hosted/${repo}`, 'v1'));
      }
    }
    const mb = (LAYERS * LAYER_MIB * 1024 * 1024) / 1e6;
    const line = (name: string, xs: number[]) =>
      `${name.padEnd(34)} ${(median(xs) * 1000).toFixed(0).padStart(6)} ms  ${(mb / median(xs)).toFixed(0).padStart(5)} MB/s`;
    console.log(`# proxy cache bench: ${ROUNDS} rounds, image ${LAYERS} x ${LAYER_MIB} MiB (${mib} MiB), medians`);
    console.log(line('direct pull from upstream', direct));
    console.log(line('first pull through Berth (miss)', first));
    console.log(line('hosted pull from Berth', hosted));
    console.log(line('cached pull from Berth (proxy hit)', cached));
    console.log(
      `CPU per pull: direct ${(directCpu / ROUNDS).toFixed(2)} s (upstream); first through Berth ${(firstCpu / ROUNDS).toFixed(2)} s (Berth + upstream)`,
    );
    console.log(`first-through-Berth / direct time: ${(median(first) / median(direct)).toFixed(2)}x (goal <= 1.2x)`);
    console.log(`cached / hosted throughput:        ${(median(hosted) / median(cached)).toFixed(2)}x (goal >= 0.95x)`);
  } finally {
    await berth.stop();
    await upstream.stop();
    if (!process.env.PROXY_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  }
}

await main();
