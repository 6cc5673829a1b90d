/**
 * `npm run bench`: Berth and CNCF Distribution side by side on loopback, the
 * same workload against each in turn (A B, A B, …) for several rounds, and
 * the machine's own ceilings measured in the same run. Prints the table and
 * writes it to bench/RESULTS.md.
 *
 * Environment:
 *   BENCH_QUICK=1     smoke test: 128 MiB blob, 1 round, 3 s load phases
 *   BENCH_ROUNDS=N    rounds (default 3)
 *   BENCH_SECONDS=N   length of each load phase (default 15)
 *   BENCH_BLOB_MIB=N  size of the big blob (default 1024)
 *   BENCH_ONLY=a,b    only these workloads: upload, chunked, download, mget, head, skopeo, pulls, storm
 *   BENCH_STORM=N     clients in the pull storm (default 200; quick runs 50)
 *   BENCH_PROFILE=1   run Berth under node --cpu-prof (profiles in bench/work/profiles)
 *   BENCH_STANDIN=1   use a second Distribution in Berth's place (harness debugging)
 *   BENCH_BERTH_ROOT=DIR  run the Berth found in DIR (bin/berth.js) instead of this checkout's
 *   BENCH_KEEP=1      keep bench/work (data dirs, logs, the big file) afterwards
 *   BENCH_WORK=DIR    work folder (default bench/work)
 *   BENCH_OUT=FILE    where to write the results (default bench/RESULTS.md; quick runs: bench/work/RESULTS.quick.md)
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from './lib/net.ts';
import { describeMachine } from './machine.ts';
import {
  type CeilingDef,
  type FigureDef,
  Results,
  renderPlain,
  renderSamples,
  renderTable,
  type Side,
} from './report.ts';
import { S3_FRACTIONS, S3Fractions } from './s3-fraction.ts';
import {
  type DistributionS3,
  launcherFlags,
  type ServerHandle,
  startBerth,
  startDistribution,
  startNginx,
  startSink,
} from './servers.ts';
import { ddWrite, flushedWrite, freshBlob, makeRandomFile, settleDisk, warmFile } from './workloads/blobfile.ts';
import { download, verifyDownload } from './workloads/download.ts';
import { buildOciLayout, MANIFEST_ACCEPT, pushImage, smallImage } from './workloads/image.ts';
import { concurrentPulls, pullStorm } from './workloads/pulls.ts';
import { s3Ceiling } from './workloads/s3ceiling.ts';
import { checkSkopeoIsolation, skopeoPull, skopeoPush } from './workloads/skopeo.ts';
import { heyHead, wrkGet } from './workloads/small.ts';
import { chunkedUpload, monolithicUpload, nginxPut, verifyBlob } from './workloads/upload.ts';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
/** BENCH_WORK=DIR: another work folder, so two runs (filesystem and S3) can go at once. */
const WORK = process.env.BENCH_WORK ? path.resolve(process.env.BENCH_WORK) : path.join(BENCH_DIR, 'work');

const env = process.env;
const QUICK = env.BENCH_QUICK === '1';
const ROUNDS = Number(env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const SECONDS = Number(env.BENCH_SECONDS ?? (QUICK ? 3 : 15));
/** Uncounted load on each server before each small-request figure. */
const WARM_SECONDS = QUICK ? 1 : 2;
const BLOB_SIZE = Number(env.BENCH_BLOB_MIB ?? (QUICK ? 128 : 1024)) * 1024 * 1024;
const CHUNK = 16 * 1024 * 1024;
const SKOPEO_REPEATS = QUICK ? 1 : 3;
const DOWNLOAD_REPEATS = QUICK ? 1 : 3;
const LAYERS = 5;
const LAYER_SIZE = 20 * 1024 * 1024;
const PULL_CLIENTS = 16;
const STORM_CLIENTS = Number(env.BENCH_STORM ?? (QUICK ? 50 : 200));
const ONLY = env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(',')) : null;
/** BENCH_DIST_S3=1 (set by bench/s3.sh): Distribution on the S3 server of S3_ENDPOINT… too, under the prefix dist/. */
const DIST_S3: DistributionS3 | undefined =
  env.BENCH_DIST_S3 === '1'
    ? {
        endpoint: env.S3_ENDPOINT ?? '',
        region: env.S3_REGION ?? 'us-east-1',
        bucket: env.S3_BUCKET ?? '',
        accessKey: env.S3_ACCESS_KEY ?? '',
        secretKey: env.S3_SECRET_KEY ?? '',
        rootDirectory: '/dist',
      }
    : undefined;
const BERTH_ROOT = env.BENCH_BERTH_ROOT ? path.resolve(env.BENCH_BERTH_ROOT) : ROOT;
const STANDIN = env.BENCH_STANDIN === '1' || !existsSync(path.join(BERTH_ROOT, 'bin/berth.js'));
/** The Node flags the launcher execs node with (`exec node FLAGS "$0" "$@"`), for the method text. */
const LAUNCHER_FLAGS = STANDIN ? '' : launcherFlags(BERTH_ROOT).join(' ');
// Only a full, unprofiled run of every workload writes bench/RESULTS.md.
const PARTIAL = QUICK || ONLY !== null || env.BENCH_PROFILE === '1' || STANDIN || BERTH_ROOT !== ROOT;
const OUT = env.BENCH_OUT ?? (PARTIAL ? path.join(WORK, 'RESULTS.partial.md') : path.join(BENCH_DIR, 'RESULTS.md'));
const SIDES: Side[] = ['berth', 'distribution'];
/** Every figure of this section is Berth with authentication off (bench/auth.ts measures it on). */
const NAME: Record<Side, string> = {
  berth: STANDIN ? 'Berth (stand-in)' : 'Berth (auth: off)',
  distribution: 'Distribution (auth: off)',
};

const t0 = Date.now();
function log(msg: string): void {
  const s = ((Date.now() - t0) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[${s}s] ${msg}\n`);
}

const wants = (w: string) => !ONLY || ONLY.has(w);

const FIGURES: FigureDef[] = [
  {
    key: 'startup',
    label: 'start to first 200 on /v2/',
    unit: 'ms',
    digits: 0,
    target: { kind: 'abs-max', value: 150 },
  },
  // /v2/ is answered by Berth's door before the app is loaded (src/server/door.ts); the catalog needs the whole app.
  { key: 'startup.whole', label: 'start to first 200 on /v2/_catalog (the whole registry)', unit: 'ms', digits: 0 },
  {
    key: 'mono',
    label: `monolithic upload, ${BLOB_SIZE / 2 ** 20} MiB (POST + curl -T PUT)`,
    unit: 'MB/s',
    digits: 0,
    target: { kind: 'ratio-min', value: 2 },
    ceilings: ['sha256', 'dd', 'flushedWrite', 'ddNoSync', 'nginxPut', 'curlSink', 's3Put'],
  },
  {
    key: 'chunked',
    label: `chunked upload, ${BLOB_SIZE / 2 ** 20} MiB in 16 MiB PATCHes`,
    unit: 'MB/s',
    digits: 0,
    target: { kind: 'ratio-min', value: 2.5 },
    ceilings: ['sha256', 'dd', 'flushedWrite', 'ddNoSync', 'nodeSink', 's3Put'],
  },
  {
    key: 'download',
    label: `download, ${BLOB_SIZE / 2 ** 20} MiB, warm (curl)`,
    unit: 'MB/s',
    digits: 0,
    target: { kind: 'ratio-min', value: 0.9 },
    ceilings: ['nginxGet', 's3Get'],
  },
  {
    key: 'mtag.rps',
    label: 'manifest GET by tag, wrk -t2 -c64',
    unit: 'req/s',
    digits: 0,
    target: { kind: 'ratio-min', value: 10 },
    ceilings: ['nginxSmall.rps'],
  },
  {
    key: 'mtag.p99',
    label: 'manifest GET by tag, p99',
    unit: 'ms',
    digits: 1,
    target: { kind: 'abs-max', value: 10 },
    ceilings: ['nginxSmall.p99'],
  },
  {
    key: 'mtag.err',
    label: 'manifest GET by tag, errors + non-2xx (total)',
    unit: 'count',
    digits: 0,
    target: { kind: 'zero', value: 0 },
    aggregate: 'sum',
  },
  {
    key: 'mdig.rps',
    label: 'manifest GET by digest, wrk -t2 -c64',
    unit: 'req/s',
    digits: 0,
    target: { kind: 'ratio-min', value: 10 },
    ceilings: ['nginxSmall.rps'],
  },
  {
    key: 'mdig.p99',
    label: 'manifest GET by digest, p99',
    unit: 'ms',
    digits: 1,
    target: { kind: 'abs-max', value: 10 },
    ceilings: ['nginxSmall.p99'],
  },
  {
    key: 'mdig.err',
    label: 'manifest GET by digest, errors + non-2xx (total)',
    unit: 'count',
    digits: 0,
    target: { kind: 'zero', value: 0 },
    aggregate: 'sum',
  },
  {
    key: 'head.rps',
    label: 'blob HEAD, hey -c64',
    unit: 'req/s',
    digits: 0,
    target: { kind: 'ratio-min', value: 10 },
    ceilings: ['nginxHead.rps'],
  },
  {
    key: 'head.p99',
    label: 'blob HEAD, p99',
    unit: 'ms',
    digits: 1,
    target: { kind: 'abs-max', value: 10 },
    ceilings: ['nginxHead.p99'],
  },
  {
    key: 'head.err',
    label: 'blob HEAD, errors + non-2xx (total)',
    unit: 'count',
    digits: 0,
    target: { kind: 'zero', value: 0 },
    aggregate: 'sum',
  },
  {
    key: 'skopeo.push',
    label: `skopeo copy push, ${LAYERS} × ${LAYER_SIZE / 2 ** 20} MiB layers`,
    unit: 's',
    digits: 3,
    target: { kind: 'ratio-max', value: 1 },
  },
  {
    key: 'skopeo.pull',
    label: `skopeo copy pull, ${LAYERS} × ${LAYER_SIZE / 2 ** 20} MiB layers`,
    unit: 's',
    digits: 3,
    target: { kind: 'ratio-max', value: 1 },
  },
  { key: 'pulls.s', label: `${PULL_CLIENTS} concurrent pulls of that image (Node client)`, unit: 's', digits: 3 },
  { key: 'pulls.MBps', label: `${PULL_CLIENTS} concurrent pulls, aggregate`, unit: 'MB/s', digits: 0 },
  {
    key: 'storm.s',
    label: `pull storm: ${STORM_CLIENTS} clients pull that image at once, time to last byte`,
    unit: 's',
    digits: 2,
  },
  {
    key: 'storm.MBps',
    label: `pull storm, aggregate`,
    unit: 'MB/s',
    digits: 0,
    target: { kind: 'ratio-min', value: 1.2 },
  },
  { key: 'storm.p99', label: 'pull storm, p99 per blob GET', unit: 'ms', digits: 0 },
  {
    key: 'storm.err',
    label: 'pull storm, failed requests (total)',
    unit: 'count',
    digits: 0,
    target: { kind: 'zero', value: 0 },
    aggregate: 'sum',
  },
  { key: 'storm.rss', label: 'pull storm, peak resident memory', unit: 'MiB', digits: 1 },
  {
    key: 'rss',
    label: 'peak resident memory (per round, whole run)',
    unit: 'MiB',
    digits: 1,
    target: { kind: 'ratio-max', value: 1.5 },
  },
  {
    // Distribution's storm peak (a 4 MiB read buffer per download) would hide every other phase's figure.
    key: 'rss.prestorm',
    label: 'peak resident memory before the pull storm (per round)',
    unit: 'MiB',
    digits: 1,
    target: { kind: 'ratio-max', value: 1.5 },
  },
];

const CPU_FIGURES: FigureDef[] = [
  { key: 'mono.cpu', label: 'server CPU, monolithic upload', unit: 'CPU-s per GiB', digits: 2 },
  { key: 'chunked.cpu', label: 'server CPU, chunked upload', unit: 'CPU-s per GiB', digits: 2 },
  { key: 'download.cpu', label: 'server CPU, download', unit: 'CPU-s per GiB', digits: 2 },
  { key: 'mtag.cpu', label: 'server CPU, manifest GET by tag', unit: 'µs per request', digits: 0 },
  { key: 'mdig.cpu', label: 'server CPU, manifest GET by digest', unit: 'µs per request', digits: 0 },
  { key: 'head.cpu', label: 'server CPU, blob HEAD', unit: 'µs per request', digits: 0 },
  { key: 'pulls.cpu', label: `server CPU, ${PULL_CLIENTS} concurrent pulls`, unit: 'CPU-s per GiB', digits: 2 },
  { key: 'storm.cpu', label: `server CPU, pull storm (${STORM_CLIENTS} clients)`, unit: 'CPU-s per GiB', digits: 2 },
  { key: 'mono.wait', label: 'server threads waiting for a CPU, monolithic upload', unit: 's per GiB', digits: 2 },
  { key: 'chunked.wait', label: 'server threads waiting for a CPU, chunked upload', unit: 's per GiB', digits: 2 },
  { key: 'download.wait', label: 'server threads waiting for a CPU, download', unit: 's per GiB', digits: 2 },
  { key: 'pulls.wait', label: 'server threads waiting for a CPU, concurrent pulls', unit: 's per GiB', digits: 2 },
  { key: 'mtag.wait', label: 'server threads waiting for a CPU, manifest GET by tag', unit: 's per s', digits: 2 },
  { key: 'mdig.wait', label: 'server threads waiting for a CPU, manifest GET by digest', unit: 's per s', digits: 2 },
  { key: 'head.wait', label: 'server threads waiting for a CPU, blob HEAD', unit: 's per s', digits: 2 },
];

const PHASES = ['start', 'upload', 'chunked', 'download', 'mget', 'head', 'skopeo', 'pulls', 'storm'];
const PHASE_FIGURES: FigureDef[] = PHASES.map((p) => ({
  key: `rss@${p}`,
  label: `peak RSS after the ${p} phase`,
  unit: 'MiB',
  digits: 1,
}));

const CEILINGS: CeilingDef[] = [
  { key: 'sha256', label: 'openssl dgst -sha256' },
  { key: 'dd', label: 'dd write+fsync' },
  { key: 'flushedWrite', label: 'write+fsync flushed as it goes (Node)' },
  { key: 'ddNoSync', label: 'dd write (page cache)' },
  { key: 'nginxPut', label: 'nginx PUT to disk' },
  { key: 'curlSink', label: 'curl -T → Node discard sink' },
  { key: 'nodeSink', label: 'Node chunked client → discard sink' },
  { key: 'nginxGet', label: 'nginx sendfile' },
  { key: 'nginxSmall.rps', label: 'nginx static file (wrk)' },
  { key: 'nginxSmall.p99', label: 'nginx static file p99' },
  { key: 'nginxHead.rps', label: 'nginx HEAD (hey)' },
  { key: 'nginxHead.p99', label: 'nginx HEAD p99' },
  { key: 's3Put', label: 'S3 server: AWS SDK multipart PUT (16 MiB parts, 4 at once)' },
  { key: 's3Get', label: 'S3 server: AWS SDK GET' },
];

const results = new Results();
const s3Fractions = new S3Fractions();

/** CPU used and run-queue wait suffered by a server from now until `read()`. */
function meter(server: ServerHandle): { read(): { cpu: number; wait: number } } {
  const c0 = server.cpuSeconds();
  const w0 = server.waitSeconds();
  return { read: () => ({ cpu: server.cpuSeconds() - c0, wait: server.waitSeconds() - w0 }) };
}
const failures: string[] = [];

/** Runs one measurement; a failure is recorded (and the figure left empty), never fatal. */
async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    const msg = `${what}: ${(err as Error).message.split('\n')[0].slice(0, 400)}`;
    failures.push(msg);
    log(`FAILED ${msg}`);
    return undefined;
  }
}

async function startSide(side: Side, round: number): Promise<ServerHandle> {
  const logFile = path.join(WORK, 'logs', `${side}-round${round}.log`);
  const dataDir = path.join(WORK, 'data', side);
  if (side === 'berth' && !STANDIN) {
    return startBerth({
      root: BERTH_ROOT,
      dataDir,
      logFile,
      cpuProfDir: env.BENCH_PROFILE === '1' ? path.join(WORK, 'profiles', `round${round}`) : undefined,
    });
  }
  return startDistribution({ dataDir, workDir: path.join(WORK, `conf-${side}`), logFile, s3: DIST_S3 });
}

async function main(): Promise<void> {
  const machine = await describeMachine(BERTH_ROOT);
  log(
    `Berth bench: ${ROUNDS} round(s), ${SECONDS} s load phases, ${BLOB_SIZE / 2 ** 20} MiB blob${STANDIN ? ' — STAND-IN: Distribution plays Berth' : ''}`,
  );
  for (const d of ['data', 'logs', 'skopeo', 'profiles']) rmSync(path.join(WORK, d), { recursive: true, force: true });
  mkdirSync(path.join(WORK, 'www'), { recursive: true });
  mkdirSync(path.join(WORK, 'skopeo'), { recursive: true });

  // Test data.
  const bigFile = path.join(WORK, 'www', 'blob');
  log('writing the random blob file');
  makeRandomFile(bigFile, BLOB_SIZE);
  log('building the OCI layout image');
  const layout = path.join(WORK, 'image');
  const image = await buildOciLayout(layout, 'v1', LAYERS, LAYER_SIZE);
  const small = smallImage();
  writeFileSync(path.join(WORK, 'www', 'manifest.json'), small.manifest);
  if (wants('skopeo')) await checkSkopeoIsolation(path.join(WORK, 'skopeo'));

  const nginx = await startNginx({
    root: path.join(WORK, 'www'),
    workDir: path.join(WORK, 'nginx'),
    readyPath: '/manifest.json',
  });
  const sink = await startSink({ workDir: path.join(WORK, 'logs') });
  log(`nginx on ${nginx.url}, sink on ${sink.url}`);

  try {
    for (let round = 1; round <= ROUNDS; round++) {
      log(`— round ${round}/${ROUNDS}`);
      const servers = {} as Record<Side, ServerHandle>;
      // The previous round wrote gigabytes; their write-back would otherwise run during the timed starts.
      await settleDisk();
      for (const side of SIDES) {
        servers[side] = await startSide(side, round);
        const { startupMs, wholeMs } = servers[side];
        results.add(side, 'startup', startupMs);
        if (wholeMs !== undefined) results.add(side, 'startup.whole', wholeMs);
        log(
          `${NAME[side]} up on ${servers[side].url} in ${startupMs.toFixed(0)} ms, whole in ${wholeMs?.toFixed(0)} ms (pid ${servers[side].pid})`,
        );
      }
      try {
        await runRound(round, servers, nginx, sink, bigFile, layout, image.manifestDigest, small);
      } finally {
        for (const side of SIDES) {
          const peak = await servers[side].stop();
          results.add(side, 'rss', peak / 1024);
          log(`${NAME[side]} stopped; peak RSS ${(peak / 1024).toFixed(1)} MiB`);
        }
      }
    }
  } finally {
    await nginx.stop();
    await sink.stop();
  }

  machine['load average at end'] = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const table = renderTable(results, FIGURES, CEILINGS, NAME.berth, (key) => s3Fractions.fraction(key));
  const doc = [
    env.BENCH_TITLE ? `# Berth benchmark results: ${env.BENCH_TITLE}` : '# Berth benchmark results',
    '',
    env.BENCH_TITLE
      ? `Berth ran on ${env.BENCH_TITLE}; Distribution on ${DIST_S3 ? 'its s3 driver, on the same S3 server and bucket (prefix dist/), serving blobs itself (redirect disabled), as Berth does by default' : 'its filesystem driver'}. The filesystem figures of both are in bench/RESULTS.md.\n`
      : '',
    `Generated by \`npm run bench\` (bench/run.ts)${QUICK ? ' in QUICK mode (BENCH_QUICK=1): a smoke test, not a measurement' : ''}.`,
    STANDIN ? '\n**Stand-in run: a second Distribution played Berth; the Berth column is not Berth.**\n' : '',
    ONLY
      ? `\nPartial run: only the workloads ${[...ONLY].join(', ')} (BENCH_ONLY); the other figures are empty.\n`
      : '',
    '## Machine',
    '',
    ...Object.entries(machine).map(([k, v]) => `- ${k}: ${v}`),
    '',
    '## Results',
    '',
    `Medians of ${ROUNDS} round(s); in each round every workload ran against Berth, then Distribution (A B, A B, …), each server started fresh per round on the data of earlier rounds; the ceilings were measured in the same rounds. MB = 10^6 bytes. Ratio = Berth / Distribution (for times and memory lower is better); "pair ratios" is the range of the ratios of the back-to-back A/B pairs, which the machine's background load moves less than the figures themselves.`,
    '',
    table,
    '',
    s3Fractions.empty ? '' : s3Fractions.render(BLOB_SIZE / 2 ** 20),
    '## Method',
    '',
    `- Servers: Berth (\`bin/berth.js serve --port P --data DIR\`, the launcher behind \`npm start\` and \`npx berth\`, which runs Node with \`${LAUNCHER_FLAGS || 'no flags'}\`) and Debian's docker-registry (${DIST_S3 ? 's3 driver' : 'filesystem driver'}, delete enabled, default logging), each on a random 127.0.0.1 port, log output to a file; nginx (sendfile on, access log off) for the ceilings. Client and servers share the machine's cores, so every figure includes the load generator's cost.`,
    `- Uploads: a ${BLOB_SIZE / 2 ** 20} MiB random file; before each upload its first 32 bytes are replaced, so each upload is a new blob, and \`openssl dgst -sha256\` of it (the hashing ceiling) also puts it in the page cache; then \`sync\`, so no step's unwritten data is flushed during the next timed upload. Monolithic: POST, then \`curl -T FILE\` PUT ?digest= (no Expect: 100-continue); chunked: a Node client PATCHes 16 MiB pieces with Content-Range from one reused buffer, then PUT ?digest=. Time is POST to the final 201; the blob is checked with HEAD afterwards. The client ceilings (curl/Node client sending to a Node process that discards the bytes) show the clients are not the limit.`,
    `- Download: \`curl -o /dev/null\` of the last uploaded blob, curl's own time; the same URL is fetched once untimed just before (warm page cache); ${DOWNLOAD_REPEATS} A/B pairs per round. nginx serves the big file with sendfile the same way.`,
    `- Small requests: a ~${small.manifest.length}-byte OCI manifest, by tag and by digest, \`wrk -t2 -c64 -d${SECONDS}s --latency\` with an OCI Accept header; blob HEAD of a 1 KiB layer, \`hey -c 64 -z ${SECONDS}s -m HEAD\` (Debian's wrk cannot do HEAD); each after ${WARM_SECONDS} s of the same load on the same server, not counted. nginx serves the same manifest bytes as a static file.`,
    `- skopeo 1.9: \`skopeo copy --preserve-digests\` of an OCI layout (${LAYERS} uncompressed tar layers of ${LAYER_SIZE / 2 ** 20} MiB of random data) to a new repository each time, and back into a new oci: directory; every copy with a fresh, private blob-info cache; ${SKOPEO_REPEATS} push(es) and pull(s) per server per round.`,
    `- ${PULL_CLIENTS} concurrent pulls: ${PULL_CLIENTS} Node clients at once, each GETting the manifest by tag, the config and the ${LAYERS} layers (sizes checked, bodies discarded).`,
    `- Pull storm: ${STORM_CLIENTS} clients at once (a Deployment rolled out across a cluster), each on its own keep-alive connection, GET the manifest by tag, then the config and the ${LAYERS} layers one after another (sizes checked, bodies discarded); time to the last byte of the last client, p99 of each blob GET, failed requests counted (a GET on a kept-alive connection the server closed before answering is sent once more, as Go's and containerd's clients do; the log counts these). Memory: peak RSS of the server at the end of the storm (it only grows, so it includes earlier phases).`,
    "- Peak memory: the server process's VmHWM (or the summed RSS of its process tree, sampled every 200 ms, when it has children) over each round; the median over rounds is shown.",
    '- Start-up: spawn to the first 200 on /v2/, polled every 5 ms, then to the first 200 on /v2/_catalog (Berth answers version checks from the port it binds before loading the app, src/server/door.ts, and every other request once the app has taken the port over: the catalog row is the time to the whole registry), with Berth started without NODE_EXTRA_CA_CERTS (this machine sets it to the whole system CA bundle, which Node 20 parses at every start, ~45 ms before any of Berth runs; a deployment does not set it; `BENCH_EXTRA_CA=keep` keeps it), on the data left by earlier rounds (round 1: an empty data folder), after a `sync` so the write-back of the data of the previous round does not run meanwhile. Berth builds its management API and console at their first request, which this figure does not include (`bench/probes/startup-cpu.sh` times that request).',
    '',
    '### Server CPU cost',
    '',
    'User + system CPU time of the server process (all threads) during the timed part of each workload, divided by the work done (medians over rounds). On a 2-core machine shared with the client, CPU the server saves is CPU the load generator gets. "Waiting for a CPU" sums the run-queue wait of all the server\'s threads (/proc/…/schedstat): the share of the time the client, the other server idle in the background, and any other load on the machine held it back.',
    '',
    renderPlain(results, CPU_FIGURES, NAME.berth),
    '',
    '### Where the memory peak was reached',
    '',
    "The servers' peak resident memory (VmHWM) read after each phase of a round (medians over rounds): the phase where a figure jumps is the one that raised the peak.",
    '',
    renderPlain(results, PHASE_FIGURES, NAME.berth),
    '',
    failures.length ? `## Failures\n\n${failures.map((f) => `- ${f}`).join('\n')}\n` : '',
    '## All samples',
    '',
    renderSamples(results, FIGURES, CEILINGS),
    '',
  ].join('\n');
  writeFileSync(OUT, doc);
  process.stdout.write(`\n${table}\n\n`);
  if (!s3Fractions.empty) process.stdout.write(`${s3Fractions.verdicts().join('\n')}\n\n`);
  if (failures.length) process.stdout.write(`Failures:\n${failures.map((f) => `  - ${f}`).join('\n')}\n\n`);
  log(`wrote ${path.relative(ROOT, OUT)}`);
}

async function runRound(
  round: number,
  servers: Record<Side, ServerHandle>,
  nginx: ServerHandle,
  sink: ServerHandle,
  bigFile: string,
  layout: string,
  imageDigest: string,
  small: ReturnType<typeof smallImage>,
): Promise<void> {
  const notePhase = (phase: string) => {
    for (const side of SIDES) results.add(side, `rss@${phase}`, servers[side].peakRssKiB() / 1024);
  };
  notePhase('start');
  const smallRepo = 'bench/small';
  for (const side of SIDES) await pushImage(servers[side].url, smallRepo, 'latest', small);
  const bigRepo = `bench/big-r${round}`;
  const lastBlob = {} as Record<Side, string>;
  const uploaded: Record<Side, string[]> = { berth: [], distribution: [] };

  // The raw S3 server, measured around Berth's uploads and downloads (bench/s3-fraction.ts).
  const raw = { put: [] as number[], get: [] as number[] };
  const berthBefore = (key: string) => results.samples.get(key)?.berth.length ?? 0;
  const berthFrom = Object.fromEntries(S3_FRACTIONS.map((d) => [d.key, berthBefore(d.key)]));
  const measureRawS3 = async (when: string) => {
    if (!DIST_S3 || !wants('s3ceiling')) return;
    const c = await attempt(`S3 ceiling (${when})`, () => s3Ceiling(DIST_S3, bigFile));
    if (!c) return;
    results.addCeiling('s3Put', c.putMBps);
    results.addCeiling('s3Get', c.getMBps);
    raw.put.push(c.putMBps);
    raw.get.push(c.getMBps);
    log(`S3 ceiling (${when}): multipart PUT ${c.putMBps.toFixed(0)} MB/s, GET ${c.getMBps.toFixed(0)} MB/s`);
  };
  await measureRawS3('before the uploads');

  if (wants('upload')) {
    for (const side of SIDES) {
      const { blob, sha256MBps } = await freshBlob(bigFile);
      results.addCeiling('sha256', sha256MBps);
      const m = meter(servers[side]);
      const f = await attempt(`${NAME[side]} monolithic upload`, () =>
        monolithicUpload(servers[side].url, bigRepo, blob, false),
      );
      const { cpu, wait } = m.read();
      results.add(side, 'mono.wait', wait / (BLOB_SIZE / 2 ** 30));
      await attempt(`${NAME[side]} monolithic upload check`, () => verifyBlob(servers[side].url, bigRepo, blob));
      if (f) {
        results.add(side, 'mono', f.MBps);
        results.add(side, 'mono.cpu', cpu / (BLOB_SIZE / 2 ** 30));
        lastBlob[side] = blob.digest;
        uploaded[side].push(blob.digest);
        log(`${NAME[side]} monolithic upload ${f.MBps.toFixed(0)} MB/s (sha256 ceiling ${sha256MBps.toFixed(0)})`);
      }
    }
    const dd = await ddWrite(bigFile, path.join(WORK, 'dd.out'));
    results.addCeiling('dd', dd);
    const flushed = await flushedWrite(bigFile, path.join(WORK, 'dd.out'));
    results.addCeiling('flushedWrite', flushed);
    const ddNoSync = await ddWrite(bigFile, path.join(WORK, 'dd.out'), false);
    results.addCeiling('ddNoSync', ddNoSync);
    const { blob } = await freshBlob(bigFile);
    const put = await attempt('nginx PUT', () => nginxPut(nginx.url, blob));
    if (put) results.addCeiling('nginxPut', put);
    const cs = await attempt('curl → sink', () => monolithicUpload(sink.url, 'sink', blob, false));
    if (cs) results.addCeiling('curlSink', cs.MBps);
    log(
      `ceilings: dd ${dd.toFixed(0)} (flushed as it goes ${flushed.toFixed(0)}, no fsync ${ddNoSync.toFixed(0)}), nginx PUT ${put?.toFixed(0)}, curl→sink ${cs?.MBps.toFixed(0)} MB/s`,
    );
  }

  notePhase('upload');
  if (wants('chunked')) {
    for (const side of SIDES) {
      const { blob, sha256MBps } = await freshBlob(bigFile);
      results.addCeiling('sha256', sha256MBps);
      const m = meter(servers[side]);
      const f = await attempt(`${NAME[side]} chunked upload`, () =>
        chunkedUpload(servers[side].url, bigRepo, blob, CHUNK, false),
      );
      const { cpu, wait } = m.read();
      results.add(side, 'chunked.wait', wait / (BLOB_SIZE / 2 ** 30));
      await attempt(`${NAME[side]} chunked upload check`, () => verifyBlob(servers[side].url, bigRepo, blob));
      if (f) {
        results.add(side, 'chunked', f.MBps);
        results.add(side, 'chunked.cpu', cpu / (BLOB_SIZE / 2 ** 30));
        lastBlob[side] = blob.digest;
        uploaded[side].push(blob.digest);
        log(`${NAME[side]} chunked upload ${f.MBps.toFixed(0)} MB/s`);
      }
    }
    await warmFile(bigFile);
    const ns = await attempt('Node client → sink', () =>
      chunkedUpload(sink.url, 'sink', { path: bigFile, size: BLOB_SIZE, digest: 'sha256:0' }, CHUNK, false),
    );
    if (ns) results.addCeiling('nodeSink', ns.MBps);
  }

  notePhase('chunked');
  if (wants('download')) {
    // One 1 GiB transfer takes well under a second: several A/B pairs per round.
    for (let rep = 0; rep < DOWNLOAD_REPEATS; rep++) {
      for (const side of SIDES) {
        const digest = lastBlob[side];
        if (!digest) continue;
        const url = `${servers[side].url}/v2/${bigRepo}/blobs/${digest}`;
        if (round === 1 && rep === 0) {
          await attempt(`${NAME[side]} download digest check`, () => verifyDownload(url, digest));
        }
        let m = meter(servers[side]);
        const f = await attempt(`${NAME[side]} download`, () =>
          download(url, BLOB_SIZE, () => {
            m = meter(servers[side]);
          }),
        );
        const { cpu, wait } = m.read();
        if (f) {
          results.add(side, 'download', f.MBps);
          results.add(side, 'download.cpu', cpu / (BLOB_SIZE / 2 ** 30));
          results.add(side, 'download.wait', wait / (BLOB_SIZE / 2 ** 30));
          log(`${NAME[side]} download ${f.MBps.toFixed(0)} MB/s`);
        }
      }
      await warmFile(bigFile);
      const g = await attempt('nginx download', () => download(`${nginx.url}/blob`, BLOB_SIZE));
      if (g) results.addCeiling('nginxGet', g.MBps);
      log(`ceiling: nginx sendfile ${g?.MBps.toFixed(0)} MB/s`);
    }
  }
  await measureRawS3('after the downloads');
  s3Fractions.addRound(
    Object.fromEntries(
      S3_FRACTIONS.map((d) => [d.key, results.samples.get(d.key)?.berth.slice(berthFrom[d.key] as number) ?? []]),
    ),
    raw,
  );
  // The big blobs are not needed any more: free the disk (failures ignored).
  for (const side of SIDES) {
    for (const digest of uploaded[side]) {
      await request('DELETE', `${servers[side].url}/v2/${bigRepo}/blobs/${digest}`).catch(() => undefined);
    }
  }

  notePhase('download');
  if (wants('mget')) {
    const accept = { Accept: MANIFEST_ACCEPT };
    for (const [key, ref] of [
      ['mtag', 'latest'],
      ['mdig', small.manifestDigest],
    ] as const) {
      for (const side of SIDES) {
        // Warm-up, not counted: the servers have just served big uploads and downloads, and the first figure
        // measured would otherwise carry the JIT's and caches' first seconds (as bench/auth.ts does).
        await attempt(`${NAME[side]} manifest GET ${key} warm-up`, () =>
          wrkGet(`${servers[side].url}/v2/${smallRepo}/manifests/${ref}`, WARM_SECONDS, accept),
        );
        const m = meter(servers[side]);
        const f = await attempt(`${NAME[side]} manifest GET ${key}`, () =>
          wrkGet(`${servers[side].url}/v2/${smallRepo}/manifests/${ref}`, SECONDS, accept),
        );
        const { cpu, wait } = m.read();
        if (f) {
          results.add(side, `${key}.cpu`, (cpu / f.requests) * 1e6);
          results.add(side, `${key}.wait`, wait / SECONDS);
          results.add(side, `${key}.rps`, f.rps);
          results.add(side, `${key}.p99`, f.p99ms);
          results.add(side, `${key}.err`, f.errors + f.non2xx);
          log(
            `${NAME[side]} manifest GET by ${key === 'mtag' ? 'tag' : 'digest'}: ${f.rps.toFixed(0)} req/s, p99 ${f.p99ms.toFixed(1)} ms, ${f.errors} errors, ${f.non2xx} non-2xx`,
          );
        }
      }
    }
    const n = await attempt('nginx static', () => wrkGet(`${nginx.url}/manifest.json`, SECONDS, accept));
    if (n) {
      results.addCeiling('nginxSmall.rps', n.rps);
      results.addCeiling('nginxSmall.p99', n.p99ms);
      log(`ceiling: nginx static ${n.rps.toFixed(0)} req/s, p99 ${n.p99ms.toFixed(1)} ms`);
    }
  }

  notePhase('mget');
  if (wants('head')) {
    const layerDigest = `sha256:${(await import('node:crypto')).createHash('sha256').update(small.layers[0]).digest('hex')}`;
    for (const side of SIDES) {
      await attempt(`${NAME[side]} blob HEAD warm-up`, () =>
        heyHead(`${servers[side].url}/v2/${smallRepo}/blobs/${layerDigest}`, WARM_SECONDS),
      );
      const m = meter(servers[side]);
      const f = await attempt(`${NAME[side]} blob HEAD`, () =>
        heyHead(`${servers[side].url}/v2/${smallRepo}/blobs/${layerDigest}`, SECONDS),
      );
      const { cpu, wait } = m.read();
      if (f) {
        results.add(side, 'head.cpu', (cpu / f.requests) * 1e6);
        results.add(side, 'head.wait', wait / SECONDS);
        results.add(side, 'head.rps', f.rps);
        results.add(side, 'head.p99', f.p99ms);
        results.add(side, 'head.err', f.errors + f.non2xx);
        log(
          `${NAME[side]} blob HEAD: ${f.rps.toFixed(0)} req/s, p99 ${f.p99ms.toFixed(1)} ms, ${f.errors} errors, ${f.non2xx} non-2xx`,
        );
      }
    }
    const n = await attempt('nginx HEAD', () => heyHead(`${nginx.url}/blob`, SECONDS));
    if (n) {
      results.addCeiling('nginxHead.rps', n.rps);
      results.addCeiling('nginxHead.p99', n.p99ms);
      log(`ceiling: nginx HEAD ${n.rps.toFixed(0)} req/s, p99 ${n.p99ms.toFixed(1)} ms`);
    }
  }

  notePhase('head');
  const skopeoDir = path.join(WORK, 'skopeo');
  const pushedRepo = {} as Record<Side, string>;
  if (wants('skopeo') || wants('pulls')) {
    for (let i = 0; i < SKOPEO_REPEATS; i++) {
      for (const side of SIDES) {
        const repo = `bench/img-r${round}-${i}`;
        const host = `127.0.0.1:${servers[side].port}`;
        const f = await attempt(`${NAME[side]} skopeo push`, () => skopeoPush(skopeoDir, layout, 'v1', host, repo));
        if (f) {
          results.add(side, 'skopeo.push', f.seconds);
          pushedRepo[side] = repo;
          log(`${NAME[side]} skopeo push ${f.seconds.toFixed(3)} s`);
        }
      }
    }
    for (let i = 0; i < SKOPEO_REPEATS; i++) {
      for (const side of SIDES) {
        if (!pushedRepo[side]) continue;
        const host = `127.0.0.1:${servers[side].port}`;
        const f = await attempt(`${NAME[side]} skopeo pull`, () => skopeoPull(skopeoDir, host, pushedRepo[side], 'v1'));
        if (f) {
          results.add(side, 'skopeo.pull', f.seconds);
          log(`${NAME[side]} skopeo pull ${f.seconds.toFixed(3)} s`);
        }
      }
    }
  }

  notePhase('skopeo');
  if (wants('pulls')) {
    for (const side of SIDES) {
      let repo = pushedRepo[side];
      if (!repo) {
        // skopeo not run or failed: push the image over HTTP instead.
        repo = `bench/img-r${round}-http`;
        const img = await buildOciLayout(layout, 'v1', LAYERS, LAYER_SIZE);
        const pushed = await attempt(`${NAME[side]} push image for pulls`, () =>
          pushImage(servers[side].url, repo, 'v1', img).then(() => true),
        );
        if (!pushed) continue;
      }
      const m = meter(servers[side]);
      const f = await attempt(`${NAME[side]} ${PULL_CLIENTS} concurrent pulls`, () =>
        concurrentPulls(servers[side].url, repo, 'v1', PULL_CLIENTS),
      );
      const { cpu, wait } = m.read();
      if (f) {
        const gib = (f.MBps * f.seconds * 1e6) / 2 ** 30;
        results.add(side, 'pulls.cpu', cpu / gib);
        results.add(side, 'pulls.wait', wait / gib);
        results.add(side, 'pulls.s', f.seconds);
        results.add(side, 'pulls.MBps', f.MBps);
        log(`${NAME[side]} ${PULL_CLIENTS} concurrent pulls: ${f.seconds.toFixed(3)} s, ${f.MBps.toFixed(0)} MB/s`);
      }
    }
  }
  notePhase('pulls');
  for (const side of SIDES) results.add(side, 'rss.prestorm', servers[side].peakRssKiB() / 1024);
  if (wants('storm')) {
    for (const side of SIDES) {
      let repo = pushedRepo[side];
      if (!repo) {
        repo = `bench/img-r${round}-storm`;
        const img = await buildOciLayout(layout, 'v1', LAYERS, LAYER_SIZE);
        const target = repo;
        if (
          !(await attempt(`${NAME[side]} push image for the storm`, () =>
            pushImage(servers[side].url, target, 'v1', img).then(() => true),
          ))
        )
          continue;
        pushedRepo[side] = repo;
      }
      const stormRepo = repo;
      const m = meter(servers[side]);
      const f = await attempt(`${NAME[side]} pull storm`, () =>
        pullStorm(servers[side].url, stormRepo, 'v1', STORM_CLIENTS),
      );
      const { cpu } = m.read();
      if (f) {
        results.add(side, 'storm.cpu', cpu / ((f.MBps * f.seconds * 1e6) / 2 ** 30));
        results.add(side, 'storm.s', f.seconds);
        results.add(side, 'storm.MBps', f.MBps);
        results.add(side, 'storm.p99', f.p99ms);
        results.add(side, 'storm.err', f.errors);
        results.add(side, 'storm.rss', servers[side].peakRssKiB() / 1024);
        log(
          `${NAME[side]} pull storm (${STORM_CLIENTS} clients): ${f.seconds.toFixed(2)} s, ${f.MBps.toFixed(0)} MB/s, p99 ${f.p99ms.toFixed(0)} ms, ${f.errors} errors${f.firstError ? ` (first: ${f.firstError})` : ''}, ${f.retries} resent on a closed kept-alive connection, server ${(cpu / ((f.MBps * f.seconds * 1e6) / 2 ** 30)).toFixed(2)} CPU-s/GiB`,
        );
      }
    }
  }
  notePhase('storm');
  void imageDigest;
}

function cleanUp(ok: boolean): void {
  // The big files (blob, server data) go; the servers' logs (hundreds of MB
  // after the load phases) stay only when something failed.
  if (env.BENCH_KEEP === '1') return;
  const doomed = ['data', 'www', 'skopeo', 'nginx', 'image', 'dd.out'];
  if (ok && failures.length === 0) doomed.push('logs');
  for (const d of doomed) rmSync(path.join(WORK, d), { recursive: true, force: true });
}

main()
  .then(() => {
    cleanUp(true);
    process.exit(0);
  })
  .catch((err) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
    cleanUp(false);
    process.exit(1);
  });
