/**
 * `npm run bench`, proxy-cache section (issue 16); alone:
 * `npm run build && node --import tsx bench/proxy.ts`.
 *
 * - first pull through Berth (uncached: Berth fetches from the upstream,
 *   stores and streams) against a direct pull from the upstream (CNCF
 *   Distribution on this machine); goal <= 1.2x the time; beside it the
 *   same pull through a bare Node relay (lib/relay-server.mjs: pipe only,
 *   and pipe + SHA-256), the floor of any proxy in Node on this machine;
 * - the same first pull from a far upstream: a second Distribution behind a
 *   link of LINK_MBIT Mbit/s (lib/link.ts: its own network namespace, tc
 *   tbf; root only, skipped and said so otherwise), as a registry in another
 *   place is; direct and through Berth alternately first;
 * - a cached pull (proxy project, everything stored) against a hosted pull of
 *   the same image; goal >= 0.95x the throughput;
 * - the per-request cost of both paths: a small image (manifest + 2 x 1 KiB)
 *   pulled SMALL_PULLS times each, alternating, with Berth's CPU per pull.
 *
 * A pull = GET manifest, then every blob, 3 at a time (as containerd and
 * podman do), bodies read to the end. Each round pulls a fresh random image
 * of LAYERS x LAYER_MIB (env PROXY_BENCH_LAYERS / _LAYER_MIB, default
 * 4 x 24 MiB) that no side has yet; cached and hosted pulls alternate in
 * PAIRS pairs per round in ABBA order (so neither always goes first).
 * Figures: medians over ROUNDS (PROXY_BENCH_ROUNDS, default 3; BENCH_QUICK=1: 1); the ratios
 * are the medians of the back-to-back pair ratios, which the shared machine's
 * load moves less than the times themselves. Writes its section of
 * bench/RESULTS.md (PROXY_BENCH_OUT=FILE elsewhere, PROXY_BENCH_OUT=- not at
 * all); PROXY_BENCH_PROFILE=DIR runs Berth under --cpu-prof.
 * PROXY_BENCH_BASELINE=DIR (another checkout or a copy of bin/ and dist/)
 * adds a second Berth of that build with its own proxy project on the same
 * upstream: each round's first pull goes through both, alternately first,
 * for a before/after ratio measured in one run.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLink, type ShapedLink } from './lib/link.ts';
import { drainBody, pushBlob, request, sha256Digest } from './lib/net.ts';
import { startRelay } from './lib/relay.ts';
import { median } from './lib/stats.ts';
import { type ServerHandle, startBerth, startDistribution } from './servers.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = Number(process.env.PROXY_BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const PAIRS = Number(process.env.PROXY_BENCH_PAIRS ?? (QUICK ? 2 : 3));
const SMALL_PULLS = Number(process.env.PROXY_BENCH_SMALL_PULLS ?? (QUICK ? 50 : 100));
const LAYERS = Number(process.env.PROXY_BENCH_LAYERS ?? 4);
const LAYER_MIB = Number(process.env.PROXY_BENCH_LAYER_MIB ?? 24);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
/** The far upstream's link (PROXY_BENCH_LINK_MBIT; 0: no far upstream). */
const LINK_MBIT = Number(process.env.PROXY_BENCH_LINK_MBIT ?? 1000);

async function push(base: string, repo: string, tag: string, blobs: Buffer[]): Promise<void> {
  for (const b of blobs) await pushBlob(base, repo, b);
  const [config, ...layers] = blobs as [Buffer, ...Buffer[]];
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256Digest(config),
        size: config.length,
      },
      layers: layers.map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: sha256Digest(l),
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
      for (let d = queue.shift(); d; d = queue.shift()) await drainBody(`${base}/v2/${repo}/blobs/${d}`);
    }),
  );
  return (performance.now() - t0) / 1000;
}

/** Waits until `server` has used no CPU for 200 ms (at most 5 s): the work a pull left behind is done. */
async function quiet(server: { threadCpuSeconds(): number }): Promise<void> {
  for (let i = 0; i < 25; i++) {
    const c = server.threadCpuSeconds();
    await new Promise((r) => setTimeout(r, 200));
    if (server.threadCpuSeconds() - c < 0.005) return;
  }
}

/** A first pull (`repo`:v1) through `server`, and its CPU until the store's work after the last byte ended. */
async function measuredFill(server: ServerHandle, repo: string): Promise<{ seconds: number; cpu: number }> {
  const c = server.threadCpuSeconds();
  const seconds = await pull(server.url, repo, 'v1');
  await quiet(server);
  return { seconds, cpu: server.threadCpuSeconds() - c };
}

interface FarPulls {
  /** Why there is no far upstream (not root, no tc …); null when measured. */
  skipped: string | null;
  direct: number[];
  first: number[];
  ratio: number[];
  /** Berth's CPU seconds over its first pulls. */
  cpu: number;
}

/**
 * First pulls from a far upstream: Distribution behind a LINK_MBIT link, a proxy project of `berth` on it; each
 * round a fresh image, pulled direct and through Berth, alternately first (the upstream's page cache warmed
 * by an untimed direct pull before).
 */
async function farFirstPulls(berth: ServerHandle, work: string): Promise<FarPulls> {
  const out: FarPulls = { skipped: null, direct: [], first: [], ratio: [], cpu: 0 };
  const link: ShapedLink | string = LINK_MBIT > 0 ? openLink(LINK_MBIT) : 'PROXY_BENCH_LINK_MBIT=0';
  if (typeof link === 'string') return { ...out, skipped: link };
  let far: ServerHandle | null = null;
  try {
    far = await startDistribution({
      dataDir: path.join(work, 'far'),
      workDir: path.join(work, 'far-work'),
      logFile: path.join(work, 'far.log'),
      link,
    });
    const farUrl = far.url;
    await setUpProxy(berth.url, 'far', farUrl, 'farproxy');
    for (let round = 0; round < ROUNDS; round++) {
      const repo = `bench/far${round}`;
      await push(farUrl, repo, 'v1', freshImage());
      await pull(farUrl, repo, 'v1');
      const direct = () => pull(farUrl, repo, 'v1');
      const first = async () => {
        const fill = await measuredFill(berth, `farproxy/${repo}`);
        out.cpu += fill.cpu;
        return fill.seconds;
      };
      let d: number;
      let f: number;
      if (round % 2) {
        d = await direct();
        f = await first();
      } else {
        f = await first();
        d = await direct();
      }
      out.direct.push(d);
      out.first.push(f);
      out.ratio.push(f / d);
    }
  } finally {
    await far?.stop();
    link.close();
  }
  return out;
}

/** A registry entry for `upstream` and a public proxy project on it (and a public hosted project, `hosted`). */
async function setUpProxy(base: string, name: string, upstream: string, project: string, hosted?: string) {
  const api = (p: string, body: unknown) =>
    request('POST', `${base}/api/v2.0${p}`, {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  const reg = await api('/registries', { name, type: 'docker-registry', url: upstream });
  if (reg.status !== 201) throw new Error(`create registry: ${reg.status} ${reg.body}`);
  const id = Number(String(reg.headers.location).split('/').pop());
  for (const body of [
    { project_name: project, registry_id: id, metadata: { public: 'true' } },
    ...(hosted ? [{ project_name: hosted, metadata: { public: 'true' } }] : []),
  ]) {
    const res = await api('/projects', body);
    if (res.status !== 201) throw new Error(`create project: ${res.status} ${res.body}`);
  }
}

/** A config blob and LAYERS random layers of LAYER_MIB. */
const freshImage = () => [
  randomBytes(512),
  ...Array.from({ length: LAYERS }, () => randomBytes(LAYER_MIB * 1024 * 1024)),
];

/** Goals of issue 16. */
const GOAL_CACHED = 0.95;
const GOAL_FIRST = 1.2;

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
    ...(process.env.PROXY_BENCH_PROFILE ? { cpuProfDir: process.env.PROXY_BENCH_PROFILE } : {}),
  });
  // The floor: the same pull through a bare Node relay (pipe only; pipe and hash), no store.
  const relay = await startRelay(upstream.url);
  const baselineRoot = process.env.PROXY_BENCH_BASELINE;
  const baseline = baselineRoot
    ? await startBerth({
        root: path.resolve(baselineRoot),
        dataDir: path.join(work, 'baseline'),
        logFile: path.join(work, 'baseline.log'),
      })
    : null;
  const ab = { time: [] as number[], cpuThis: 0, cpuBase: 0 };
  const t = {
    direct: [] as number[],
    pipe: [] as number[],
    hash: [] as number[],
    first: [] as number[],
    cached: [] as number[],
    hosted: [] as number[],
  };
  const pairRatio = { first: [] as number[], cached: [] as number[], hash: [] as number[], overHash: [] as number[] };
  const cpu = { direct: 0, pipe: 0, hash: 0, first: 0, cached: 0, hosted: 0 };
  const small = { cached: [] as number[], hosted: [] as number[], cachedCpu: 0, hostedCpu: 0 };
  const load0 = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  let far: FarPulls | null = null;
  try {
    for (const b of baseline ? [berth, baseline] : [berth])
      await setUpProxy(b.url, 'up', upstream.url, 'proxy', 'hosted');
    /** Times one pull and adds Berth's (and, when given, the upstream's) CPU seconds to `cpu[kind]`. */
    const timed = async (kind: keyof typeof cpu, base: string, repo: string, withUpstream = false) => {
      const c0 = berth.threadCpuSeconds() + (withUpstream ? upstream.threadCpuSeconds() : 0);
      const s = await pull(base, repo, 'v1');
      // A fill's store may finish after the client's last byte: its CPU belongs to the pull.
      if (kind === 'first') await quiet(berth);
      cpu[kind] += berth.threadCpuSeconds() + (withUpstream ? upstream.threadCpuSeconds() : 0) - c0;
      t[kind].push(s);
      return s;
    };
    for (let round = 0; round < ROUNDS; round++) {
      const blobs = freshImage();
      const repo = `bench/img${round}`;
      await push(upstream.url, repo, 'v1', blobs);
      // The upstream's page cache warmed the same way for both, then direct, then the first pull through Berth
      // (before Berth holds any of these blobs: a real fill).
      await pull(upstream.url, repo, 'v1');
      const c0 = upstream.threadCpuSeconds();
      const direct = await pull(upstream.url, repo, 'v1');
      cpu.direct += upstream.threadCpuSeconds() - c0;
      t.direct.push(direct);
      for (const kind of ['pipe', 'hash'] as const) {
        const c = relay.threadCpuSeconds();
        t[kind].push(await pull(relay[kind], repo, 'v1'));
        cpu[kind] += relay.threadCpuSeconds() - c;
      }
      const hashed = t.hash.at(-1) as number;
      pairRatio.hash.push(hashed / direct);
      const thisFirst = async () => {
        const s = await timed('first', berth.url, `proxy/${repo}`);
        pairRatio.first.push(s / direct);
        pairRatio.overHash.push(s / hashed);
        return s;
      };
      if (baseline) {
        // Before/after: the same fill through the baseline build and this one, alternately first.
        const baseFirst = async () => {
          const fill = await measuredFill(baseline, `proxy/${repo}`);
          ab.cpuBase += fill.cpu;
          return fill.seconds;
        };
        // Each side's CPU over its own pull and the store's work after it (not over the other's pull).
        const thisMeasured = async () => {
          const c = berth.threadCpuSeconds();
          const s = await thisFirst();
          ab.cpuThis += berth.threadCpuSeconds() - c;
          return s;
        };
        if (round % 2) {
          const b = await baseFirst();
          ab.time.push((await thisMeasured()) / b);
        } else {
          const a = await thisMeasured();
          ab.time.push(a / (await baseFirst()));
        }
      } else await thisFirst();
      if (PAIRS === 0) continue; // first pulls only (profiling a fill)
      await push(berth.url, `hosted/${repo}`, 'v1', blobs);
      // Both read once before (the same page-cache state); then pairs, ABBA.
      await pull(berth.url, `hosted/${repo}`, 'v1');
      await pull(berth.url, `proxy/${repo}`, 'v1');
      for (let p = 0; p < PAIRS; p++) {
        const cachedFirst = (p + round) % 2 === 1;
        const a = await timed(
          cachedFirst ? 'cached' : 'hosted',
          berth.url,
          `${cachedFirst ? 'proxy' : 'hosted'}/${repo}`,
        );
        const b = await timed(
          cachedFirst ? 'hosted' : 'cached',
          berth.url,
          `${cachedFirst ? 'hosted' : 'proxy'}/${repo}`,
        );
        // Throughput ratio cached/hosted = hosted time / cached time.
        pairRatio.cached.push(cachedFirst ? b / a : a / b);
      }
    }
    // Per-request cost: a small image, pulled alternately from both sides.
    const tiny = [randomBytes(256), randomBytes(1024), randomBytes(1024)];
    await push(upstream.url, 'bench/small', 'v1', tiny);
    await push(berth.url, 'hosted/bench/small', 'v1', tiny);
    await pull(berth.url, 'proxy/bench/small', 'v1');
    await pull(berth.url, 'hosted/bench/small', 'v1');
    for (let i = 0; i < SMALL_PULLS; i++) {
      for (const side of i % 2 ? (['cached', 'hosted'] as const) : (['hosted', 'cached'] as const)) {
        const c0 = berth.threadCpuSeconds();
        small[side].push(await pull(berth.url, `${side === 'cached' ? 'proxy' : 'hosted'}/bench/small`, 'v1'));
        small[side === 'cached' ? 'cachedCpu' : 'hostedCpu'] += berth.threadCpuSeconds() - c0;
      }
    }
    far = await farFirstPulls(berth, work);
  } finally {
    await relay.stop();
    await baseline?.stop();
    await berth.stop();
    await upstream.stop();
    if (!process.env.PROXY_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  }
  const load1 = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const mb = (LAYERS * LAYER_MIB * 1024 * 1024) / 1e6;
  const ms = (x: number) => (x * 1000).toFixed(0);
  const firstRatio = median(pairRatio.first);
  const cachedRatio = median(pairRatio.cached);
  const firstCpuRatio = cpu.first / cpu.direct;
  const cachedCpuRatio = cpu.hosted / cpu.cached;
  const row = (name: string, kind: keyof typeof cpu, n: number, cpuNote: string) =>
    `| ${name} | ${ms(median(t[kind]))} | ${(mb / median(t[kind])).toFixed(0)} | ${(cpu[kind] / n).toFixed(3)} ${cpuNote} |`;
  const section = [
    '<!-- proxy:begin (bench/proxy.ts writes this section; the rest of the file is bench/run.ts) -->',
    '## Proxy cache (bench/proxy.ts)',
    '',
    `${new Date().toISOString()}, berth ${gitHead()}, load average ${load0} → ${load1}. Image ${LAYERS} × ${LAYER_MIB} MiB, fresh each round; ${ROUNDS} round(s), ${PAIRS} cached/hosted pairs per round (ABBA); medians. A pull: manifest, then its blobs 3 at a time; CPU: the process's threads' run time (/proc/…/task/…/schedstat, ns). Upstream: CNCF Distribution on this machine (loopback: the proxy's cost is all CPU, shared with the upstream and the client) and, for the far rows, a second one in its own network namespace behind a ${LINK_MBIT} Mbit/s link (veth, tc tbf), as a registry elsewhere is.`,
    '',
    '| pull | ms | MB/s | CPU s per pull |',
    '|---|---:|---:|---|',
    row('direct from the upstream', 'direct', ROUNDS, '(upstream)'),
    row('through a bare Node relay (pipe; no hash, no store)', 'pipe', ROUNDS, '(relay)'),
    row('through a bare Node relay that hashes (no store)', 'hash', ROUNDS, '(relay)'),
    row('first through Berth (miss: fetch, verify, store, stream)', 'first', ROUNDS, '(Berth)'),
    row('hosted, from Berth', 'hosted', ROUNDS * PAIRS, '(Berth)'),
    row('cached, from a proxy project (hit)', 'cached', ROUNDS * PAIRS, '(Berth)'),
    ...farRows(far, mb),
    '',
    '| figure | value | pair ratios | goal | met |',
    '|---|---:|---|---|---|',
    `| first pull through Berth / direct pull (time) | ${firstRatio.toFixed(2)}× | ${range(pairRatio.first)} | ≤ ${GOAL_FIRST}× | ${firstRatio <= GOAL_FIRST ? 'met' : 'not met'} |`,
    ...farFigure(far),
    `| the floor: hashing relay / direct pull (time) | ${median(pairRatio.hash).toFixed(2)}× | ${range(pairRatio.hash)} | | |`,
    `| first pull through Berth / hashing relay (time) | ${median(pairRatio.overHash).toFixed(2)}× | ${range(pairRatio.overHash)} | | |`,
    `| cached pull / hosted pull (throughput) | ${cachedRatio.toFixed(2)}× | ${range(pairRatio.cached)} | ≥ ${GOAL_CACHED}× | ${cachedRatio >= GOAL_CACHED ? 'met' : 'not met'} |`,
    // On a shared machine wall time is mostly waiting for a CPU: the same goals in CPU per pull.
    `| first pull, Berth CPU / upstream CPU of a direct pull | ${firstCpuRatio.toFixed(2)}× | | ≤ ${GOAL_FIRST}× | ${firstCpuRatio <= GOAL_FIRST ? 'met' : 'not met'} |`,
    `| cached / hosted, pulls per CPU-second (hosted CPU ÷ cached CPU) | ${cachedCpuRatio.toFixed(2)}× | | ≥ ${GOAL_CACHED}× | ${cachedCpuRatio >= GOAL_CACHED ? 'met' : 'not met'} |`,
    `| small image, cached / hosted (pulls/s, ${SMALL_PULLS} each) | ${(median(small.hosted) / median(small.cached)).toFixed(2)}× | Berth CPU per pull: cached ${((small.cachedCpu / SMALL_PULLS) * 1000).toFixed(2)} ms, hosted ${((small.hostedCpu / SMALL_PULLS) * 1000).toFixed(2)} ms | | |`,
    ...(baseline
      ? [
          `| first pull, this build / baseline (${baselineRoot}) | ${median(ab.time).toFixed(2)}× time | ${range(ab.time)} | CPU ${(ab.cpuThis / ROUNDS).toFixed(2)} s / ${(ab.cpuBase / ROUNDS).toFixed(2)} s per pull | |`,
        ]
      : []),
    '<!-- proxy:end -->',
    '',
  ].join('\n');
  process.stdout.write(section);
  // A quick run is a smoke test: it leaves bench/RESULTS.md alone.
  const out =
    process.env.PROXY_BENCH_OUT ?? path.join(ROOT, 'bench', QUICK ? 'work/RESULTS-proxy.quick.md' : 'RESULTS.md');
  if (out !== '-') {
    const before = existsSync(out) ? readFileSync(out, 'utf8') : '';
    mkdirSync(path.dirname(out), { recursive: true });
    const kept = before.replace(/\n?<!-- proxy:begin[\s\S]*<!-- proxy:end -->\n?/, '');
    writeFileSync(out, `${kept.trimEnd()}\n\n${section}`);
  }
}

/** The lowest and highest of the pair ratios, `0.94–1.19`. */
function range(xs: number[]): string {
  return `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
}

/** The far upstream's rows of the pull table. */
function farRows(far: FarPulls | null, mb: number): string[] {
  if (!far || far.skipped)
    return [`| far upstream: not measured (${far?.skipped ?? 'the run stopped before'}) | | | |`];
  const r = (name: string, xs: number[], cpu: string) =>
    `| ${name} | ${(median(xs) * 1000).toFixed(0)} | ${(mb / median(xs)).toFixed(0)} | ${cpu} |`;
  return [
    r(`direct from a far upstream (a ${LINK_MBIT} Mbit/s link)`, far.direct, ''),
    r('first through Berth from that far upstream', far.first, `${(far.cpu / far.first.length).toFixed(3)} (Berth)`),
  ];
}

/** The far upstream's line of the goals table (the same goal as the loopback upstream's). */
function farFigure(far: FarPulls | null): string[] {
  if (!far || far.skipped) return [];
  const m = median(far.ratio);
  return [
    `| first pull through Berth / direct pull, far upstream (${LINK_MBIT} Mbit/s link) (time) | ${m.toFixed(2)}× | ${range(far.ratio)} | ≤ ${GOAL_FIRST}× | ${m <= GOAL_FIRST ? 'met' : 'not met'} |`,
  ];
}

function gitHead(): string {
  try {
    return execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

await main();
