/**
 * `npm run bench`, authentication section: the small-request hot paths as
 * real clients meet them. Every deployment runs with token auth (the
 * default), so the headline is Berth with a Bearer token; beside it Basic
 * credentials, anonymous pulls from a public project, Berth with
 * authentication off, and Distribution (no auth). All in one run, the modes
 * interleaved in each round; medians and ratios. Writes bench/RESULTS-auth.md.
 *
 * Environment: BENCH_ROUNDS (default 3), BENCH_SECONDS (default 10),
 * BENCH_QUICK=1 (1 round, 3 s), BENCH_AUTH_OUT (output file).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from './lib/net.ts';
import { median } from './lib/stats.ts';
import { describeMachine } from './machine.ts';
import { type ServerHandle, startBerth, startDistribution } from './servers.ts';
import { MANIFEST_ACCEPT, pushImage, smallImage } from './workloads/image.ts';
import { heyHead, type LoadFigures, wrkGet } from './workloads/small.ts';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
const WORK = path.join(BENCH_DIR, 'work', 'auth');
const env = process.env;
const QUICK = env.BENCH_QUICK === '1';
const ROUNDS = Number(env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const SECONDS = Number(env.BENCH_SECONDS ?? (QUICK ? 3 : 10));
const WARM_SECONDS = QUICK ? 1 : 2;
const OUT =
  env.BENCH_AUTH_OUT ?? (QUICK ? path.join(WORK, 'RESULTS-auth.quick.md') : path.join(BENCH_DIR, 'RESULTS-auth.md'));
const PASSWORD = 'Bench-pass-1';
const BASIC = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;

type Mode = 'bearer' | 'basic' | 'anonymous' | 'off' | 'distribution';
const MODES: Mode[] = ['bearer', 'basic', 'anonymous', 'off', 'distribution'];
const MODE_LABEL: Record<Mode, string> = {
  bearer: 'Berth, auth: on, Bearer token (headline: what docker, containerd, skopeo, podman send)',
  basic: 'Berth, auth: on, Basic credentials on every request',
  anonymous: 'Berth, auth: on, anonymous pull from a public project',
  off: 'Berth, auth: off',
  distribution: 'Distribution 2.8, auth: off',
};
type Workload = 'mtag' | 'mdig' | 'head';
const WORKLOAD_LABEL: Record<Workload, string> = {
  mtag: 'manifest GET by tag (wrk -t2 -c64)',
  mdig: 'manifest GET by digest (wrk -t2 -c64)',
  head: 'blob HEAD (hey -c64)',
};
/** Goals of issue 23: Bearer ≥ 0.8× and Basic ≥ 0.5× the auth-off figure. */
const GOAL: Partial<Record<Mode, number>> = { bearer: 0.8, basic: 0.5 };

const samples = new Map<string, number[]>();
const add = (key: string, v: number) => samples.set(key, [...(samples.get(key) ?? []), v]);

function log(msg: string): void {
  process.stderr.write(`[auth bench] ${msg}\n`);
}

async function token(base: string, repos: string[]): Promise<string> {
  const scope = repos.map((r) => `scope=repository:${r}:pull`).join('&');
  const r = await request('GET', `${base}/service/token?service=berth&${scope}`, { headers: { authorization: BASIC } });
  if (r.status !== 200) throw new Error(`token: ${r.status} ${r.body.toString().slice(0, 200)}`);
  return JSON.parse(r.body.toString()).token as string;
}

async function publicProject(base: string, name: string): Promise<void> {
  const r = await request('POST', `${base}/api/v2.0/projects`, {
    headers: { authorization: BASIC, 'content-type': 'application/json' },
    body: JSON.stringify({ project_name: name, metadata: { public: 'true' } }),
  });
  if (r.status !== 201 && r.status !== 409) throw new Error(`project ${name}: ${r.status} ${r.body.toString()}`);
}

async function measure(
  workload: Workload,
  base: string,
  repo: string,
  ref: { tag: string; digest: string; layer: string },
  headers: Record<string, string>,
  seconds = SECONDS,
): Promise<LoadFigures> {
  if (workload === 'head') return heyHead(`${base}/v2/${repo}/blobs/${ref.layer}`, seconds, headers);
  const reference = workload === 'mtag' ? ref.tag : ref.digest;
  return wrkGet(`${base}/v2/${repo}/manifests/${reference}`, seconds, { accept: MANIFEST_ACCEPT, ...headers });
}

async function main(): Promise<void> {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const machine = await describeMachine(ROOT);
  const small = smallImage();
  const ref = {
    tag: 'v1',
    digest: small.manifestDigest,
    layer: `sha256:${(await import('node:crypto')).createHash('sha256').update(small.layers[0]).digest('hex')}`,
  };
  for (let round = 1; round <= ROUNDS; round++) {
    log(`round ${round}/${ROUNDS}`);
    const servers: Record<'on' | 'off' | 'distribution', ServerHandle> = {
      on: await startBerth({
        root: ROOT,
        dataDir: path.join(WORK, 'berth-on'),
        logFile: path.join(WORK, `berth-on-${round}.log`),
        env: { BERTH_AUTH: 'on', BERTH_ADMIN_PASSWORD: PASSWORD, BERTH_TOKEN_TTL: '3600' },
      }),
      off: await startBerth({
        root: ROOT,
        dataDir: path.join(WORK, 'berth-off'),
        logFile: path.join(WORK, `berth-off-${round}.log`),
      }),
      distribution: await startDistribution({
        dataDir: path.join(WORK, 'distribution'),
        workDir: path.join(WORK, 'conf'),
        logFile: path.join(WORK, `distribution-${round}.log`),
      }),
    };
    try {
      await publicProject(servers.on.url, 'pub');
      await pushImage(servers.on.url, 'bench/small', 'v1', small, { authorization: BASIC });
      await pushImage(servers.on.url, 'pub/small', 'v1', small, { authorization: BASIC });
      await pushImage(servers.off.url, 'bench/small', 'v1', small);
      await pushImage(servers.distribution.url, 'bench/small', 'v1', small);
      const bearer = `Bearer ${await token(servers.on.url, ['bench/small'])}`;
      const target: Record<Mode, { base: string; repo: string; headers: Record<string, string> }> = {
        bearer: { base: servers.on.url, repo: 'bench/small', headers: { authorization: bearer } },
        basic: { base: servers.on.url, repo: 'bench/small', headers: { authorization: BASIC } },
        anonymous: { base: servers.on.url, repo: 'pub/small', headers: {} },
        off: { base: servers.off.url, repo: 'bench/small', headers: {} },
        distribution: { base: servers.distribution.url, repo: 'bench/small', headers: {} },
      };
      const serverOf = (mode: Mode) => servers[mode === 'off' || mode === 'distribution' ? mode : 'on'];
      // Untimed first: the servers start fresh each round, and the first mode measured met a cold JIT
      // (on a loaded machine its figure fell to a third of the same mode measured warm).
      for (const workload of ['mtag', 'mdig', 'head'] as Workload[])
        for (const mode of MODES) {
          const t = target[mode];
          await measure(workload, t.base, t.repo, ref, t.headers, WARM_SECONDS);
        }
      for (const workload of ['mtag', 'mdig', 'head'] as Workload[]) {
        for (const mode of MODES) {
          const t = target[mode];
          const cpu0 = serverOf(mode).cpuSeconds();
          const f = await measure(workload, t.base, t.repo, ref, t.headers);
          // The server's own CPU per request: what the machine's other load does not move.
          add(`${workload}.${mode}.cpu`, ((serverOf(mode).cpuSeconds() - cpu0) * 1e6) / f.requests);
          add(`${workload}.${mode}.rps`, f.rps);
          add(`${workload}.${mode}.p99`, f.p99ms);
          add(`${workload}.${mode}.err`, f.errors + f.non2xx);
          log(
            `${workload} ${mode} (auth: ${mode === 'off' || mode === 'distribution' ? 'off' : 'on'}): ${f.rps.toFixed(0)} req/s, p99 ${f.p99ms.toFixed(1)} ms, errors ${f.errors + f.non2xx}, server CPU ${(samples.get(`${workload}.${mode}.cpu`) ?? []).at(-1)?.toFixed(0)} µs/req`,
          );
        }
      }
    } finally {
      for (const s of Object.values(servers)) await s.stop();
    }
  }
  const doc = render(machine);
  writeFileSync(OUT, doc);
  process.stdout.write(`\n${doc}\n`);
}

function render(machine: Record<string, string>): string {
  const lines = [
    '# Berth benchmark: authentication on the hot paths',
    '',
    `Generated by \`npm run bench\` (bench/auth.ts)${QUICK ? ' in QUICK mode: a smoke test, not a measurement' : ''}.`,
    `Medians of ${ROUNDS} round(s) of ${SECONDS} s per figure; in each round every mode ran back to back. Ratios are against Berth with authentication off; "vs Distribution" against Distribution 2.8 without auth.`,
    '',
    '## Machine',
    '',
    ...Object.entries(machine).map(([k, v]) => `- ${k}: ${v}`),
    '',
  ];
  for (const workload of ['mtag', 'mdig', 'head'] as Workload[]) {
    lines.push(`## ${WORKLOAD_LABEL[workload]}`, '');
    lines.push(
      '| mode | req/s | p99 ms | errors | × auth off | vs Distribution | goal | met | server CPU µs/req | auth-off CPU / this CPU |',
      '|---|---|---|---|---|---|---|---|---|---|',
    );
    const off = median(samples.get(`${workload}.off.rps`) ?? []);
    const offCpu = median(samples.get(`${workload}.off.cpu`) ?? []);
    const dist = median(samples.get(`${workload}.distribution.rps`) ?? []);
    for (const mode of MODES) {
      const rps = median(samples.get(`${workload}.${mode}.rps`) ?? []);
      const p99 = median(samples.get(`${workload}.${mode}.p99`) ?? []);
      const errors = (samples.get(`${workload}.${mode}.err`) ?? []).reduce((a, b) => a + b, 0);
      const ratio = rps / off;
      const cpu = median(samples.get(`${workload}.${mode}.cpu`) ?? []);
      const goal = GOAL[mode];
      lines.push(
        `| ${MODE_LABEL[mode]} | ${rps.toFixed(0)} | ${p99.toFixed(1)} | ${errors} | ${ratio.toFixed(2)}× | ${(rps / dist).toFixed(1)}× | ${goal ? `≥ ${goal}×` : ''} | ${goal ? (ratio >= goal && errors === 0 ? 'yes' : 'no') : ''} | ${cpu.toFixed(0)} | ${(offCpu / cpu).toFixed(2)}× |`,
      );
    }
    lines.push('');
  }
  lines.push(
    '## Method',
    '',
    "- Three servers per round on random loopback ports: Berth with token auth on (`BERTH_ADMIN_PASSWORD`, token lifetime 3600 s so one token lasts the run), Berth with `BERTH_AUTH=off`, Debian's docker-registry. Each holds the same ~400-byte OCI manifest and 1 KiB layer.",
    `- Every server is warmed up first in each round: ${WARM_SECONDS} s of each workload and mode, untimed.`,
    "- Bearer: one registry token for `repository:bench/small:pull` from `/service/token`, sent with every request, as clients do. Basic: `admin`'s password on every request. Anonymous: the same image in a public project, no credentials.",
    '- wrk 4.1 (`-t2 -c64 --latency`, OCI Accept header) for GETs, hey (`-c 64 -m HEAD`) for HEAD; client and servers share the two cores.',
    '- Server CPU µs/req: the server process\'s user + system CPU time (/proc, all threads) over the load phase divided by the requests answered. The machine\'s other load moves req/s a lot and this little, so "auth-off CPU / this CPU" is the steadier form of the ratio (what the throughput ratio would be on a server held back only by its own CPU).',
    '',
  );
  return lines.join('\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
