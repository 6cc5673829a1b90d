/**
 * The servers under test and the reference servers: Berth, CNCF Distribution
 * (Debian's docker-registry) and nginx (the machine's ceiling). Each runs on a
 * random loopback port with its output sent to a log file; each handle knows
 * its start-up time and peak resident memory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ShapedLink } from './lib/link.ts';
import { cpuSeconds, RssSampler, runQueueWaitSeconds, threadCpuSeconds } from './lib/memory.ts';
import { freePort, waitFor200 } from './lib/net.ts';
import { now, sleep } from './lib/proc.ts';

export interface ServerHandle {
  /** Short name used in logs and file names. */
  name: string;
  /** Base URL, `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  pid: number;
  /** Milliseconds from spawn to the first 200 on the readiness URL. */
  startupMs: number;
  /**
   * Milliseconds from spawn to the first 200 on `wholePath` (asked after the readiness URL answered): a request
   * only the whole registry answers, where the readiness URL may be answered sooner (Berth's door, src/server/door.ts).
   */
  wholeMs?: number;
  /** CPU seconds (user + system) the server's process tree has used so far. */
  cpuSeconds(): number;
  /** The same to the nanosecond, live threads only (lib/memory.ts threadCpuSeconds): for short windows. */
  threadCpuSeconds(): number;
  /** Seconds its threads have spent waiting for a CPU (other load on the machine). */
  waitSeconds(): number;
  /** Peak resident memory so far, KiB (see RssSampler). */
  peakRssKiB(): number;
  /** Graceful stop (SIGTERM, then SIGKILL after a grace period). Returns the final peak RSS in KiB. */
  stop(): Promise<number>;
}

interface LaunchSpec {
  name: string;
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  port: number;
  readyPath: string;
  /** See ServerHandle.wholeMs. */
  wholePath?: string;
  stopSignal?: NodeJS.Signals;
  /** The address it listens on; 127.0.0.1 unless given. */
  host?: string;
}

async function launch(spec: LaunchSpec): Promise<ServerHandle> {
  mkdirSync(path.dirname(spec.logFile), { recursive: true });
  const fd = openSync(spec.logFile, 'a');
  const t0 = now();
  const child: ChildProcess = spawn(spec.cmd, spec.args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let exited = false;
  let exitCode: number | null = null;
  let exitSignal: NodeJS.Signals | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = true;
      exitCode = code;
      exitSignal = signal;
      resolve();
    });
  });
  child.on('error', () => {
    exited = true;
  });
  const url = `http://${spec.host ?? '127.0.0.1'}:${spec.port}`;
  let startupMs: number;
  let wholeMs: number | undefined;
  try {
    startupMs = await waitFor200(url + spec.readyPath, t0, () => !exited);
    if (spec.wholePath) wholeMs = await waitFor200(url + spec.wholePath, t0, () => !exited);
  } catch (err) {
    if (!exited) child.kill('SIGKILL');
    throw new Error(`${spec.name} failed to start (log: ${spec.logFile}): ${(err as Error).message}`);
  }
  const pid = child.pid as number;
  const sampler = new RssSampler(pid);
  let finalPeak: number | null = null;
  return {
    name: spec.name,
    url,
    port: spec.port,
    pid,
    startupMs,
    wholeMs,
    cpuSeconds: () => cpuSeconds(pid),
    threadCpuSeconds: () => threadCpuSeconds(pid),
    waitSeconds: () => runQueueWaitSeconds(pid),
    peakRssKiB: () => {
      if (finalPeak === null) sampler.sample();
      return finalPeak ?? sampler.peek();
    },
    async stop() {
      if (finalPeak !== null) return finalPeak;
      finalPeak = sampler.stop().peakKiB;
      if (!exited) {
        child.kill(spec.stopSignal ?? 'SIGTERM');
        const timedOut = await Promise.race([exitPromise.then(() => false), sleep(15_000).then(() => true)]);
        if (timedOut) {
          process.stderr.write(`bench: ${spec.name} did not stop within 15 s of SIGTERM; killing it\n`);
          child.kill('SIGKILL');
          await exitPromise;
        }
      }
      // Go's Distribution 2.8 and the sink die of SIGTERM; Berth should exit 0.
      if ((exitCode !== 0 && exitCode !== null) || (spec.name === 'berth' && exitSignal !== null)) {
        process.stderr.write(
          `bench: ${spec.name} exited with ${exitCode ?? exitSignal} on stop (log: ${spec.logFile})\n`,
        );
      }
      return finalPeak;
    },
  };
}

export interface BerthOptions {
  /** Repository root holding bin/berth.js. */
  root: string;
  dataDir: string;
  logFile: string;
  /** When set, Berth runs under `node --cpu-prof` writing profiles here. */
  cpuProfDir?: string;
  /** Extra environment (e.g. `BERTH_AUTH: 'on'`); authentication is off unless given here. */
  env?: NodeJS.ProcessEnv;
}

/** The Node flags the launcher of `root` execs node with (`exec node FLAGS "$0" "$@"` in bin/berth.js). */
export function launcherFlags(root: string): string[] {
  const launcher = path.join(root, 'bin/berth.js');
  if (!existsSync(launcher)) return [];
  const flags = /exec node (.*?) "\$0"/.exec(readFileSync(launcher, 'utf8'))?.[1];
  return flags ? flags.split(' ') : [];
}

/** `bin/berth.js serve --port P --data DIR`: the launcher users run (`npm start`, `npx berth`), with its Node flags. */
export async function startBerth(o: BerthOptions): Promise<ServerHandle> {
  const port = await freePort();
  mkdirSync(o.dataDir, { recursive: true });
  const serve = ['serve', '--host', '127.0.0.1', '--port', String(port), '--data', o.dataDir];
  // Node refuses --cpu-prof in NODE_OPTIONS: a profiled run calls node itself, with the launcher's flags (bin/berth.js).
  const launcher = o.cpuProfDir
    ? {
        cmd: process.execPath,
        args: [
          '--cpu-prof',
          `--cpu-prof-dir=${o.cpuProfDir}`,
          ...launcherFlags(o.root),
          path.join(o.root, 'dist/bundle/main.js'),
          ...serve,
        ],
      }
    : { cmd: path.join(o.root, 'bin/berth.js'), args: serve };
  return launch({
    name: 'berth',
    ...launcher,
    cwd: o.root,
    // Without NODE_EXTRA_CA_CERTS (as lib/start-probe.mjs's serverEnv: these machines set it to the whole system
    // bundle, which Node 20 parses at every start; a deployment does not set it). BENCH_EXTRA_CA=keep keeps it.
    env: {
      NODE_ENV: 'production',
      BERTH_AUTH: 'off',
      ...(process.env.BENCH_EXTRA_CA === 'keep' ? {} : { NODE_EXTRA_CA_CERTS: undefined }),
      ...o.env,
    },
    logFile: o.logFile,
    port,
    // With authentication on, /v2/ answers 401 to an anonymous client; health answers 200.
    readyPath: o.env?.BERTH_AUTH === 'on' ? '/api/v2.0/health' : '/v2/',
    // The catalog needs the metadata store and the whole app (health, with authentication on, needs it already).
    wholePath: o.env?.BERTH_AUTH === 'on' ? undefined : '/v2/_catalog',
  });
}

/** An S3 server and bucket for Distribution's s3 driver. */
export interface DistributionS3 {
  endpoint: string;
  region: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  /** Key prefix, so it shares a bucket with Berth without meeting its objects. */
  rootDirectory: string;
}

export interface DistributionOptions {
  dataDir: string;
  workDir: string;
  logFile: string;
  /** Store on S3 instead of the filesystem, serving blobs itself (no redirects), as Berth does by default. */
  s3?: DistributionS3;
  /** Run at the far end of this link (its own network namespace) instead of on 127.0.0.1. */
  link?: ShapedLink;
}

function distributionStorage(o: DistributionOptions): string[] {
  if (!o.s3) return ['  filesystem:', `    rootdirectory: ${o.dataDir}`];
  return [
    '  s3:',
    `    regionendpoint: ${o.s3.endpoint}`,
    `    region: ${o.s3.region}`,
    `    bucket: ${o.s3.bucket}`,
    `    accesskey: ${o.s3.accessKey}`,
    `    secretkey: ${o.s3.secretKey}`,
    `    rootdirectory: ${o.s3.rootDirectory}`,
    `    secure: ${o.s3.endpoint.startsWith('https:')}`,
    '    v4auth: true',
    '  redirect:',
    '    disable: true',
  ];
}

/** Debian's docker-registry (CNCF Distribution 2.8) on the filesystem (or S3) driver, delete enabled. */
export async function startDistribution(o: DistributionOptions): Promise<ServerHandle> {
  const port = await freePort();
  const host = o.link?.address ?? '127.0.0.1';
  mkdirSync(o.dataDir, { recursive: true });
  mkdirSync(o.workDir, { recursive: true });
  const config = path.join(o.workDir, 'distribution.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  fields:',
      '    service: registry',
      'storage:',
      ...distributionStorage(o),
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}:${port}`,
      '',
    ].join('\n'),
  );
  const command = { cmd: 'docker-registry', args: ['serve', config] };
  return launch({
    name: 'distribution',
    ...(o.link ? o.link.inside(command.cmd, command.args) : command),
    host,
    // AWS_CA_BUNDLE (set on the project machines) makes its AWS SDK panic at start: "transport unsupported type".
    env: { OTEL_TRACES_EXPORTER: 'none', AWS_CA_BUNDLE: undefined },
    logFile: o.logFile,
    port,
    readyPath: '/v2/',
    wholePath: '/v2/_catalog',
  });
}

export interface NginxOptions {
  /** Document root: the files it serves. */
  root: string;
  workDir: string;
  /** Path of a small file under `root` used to tell when it is ready. */
  readyPath: string;
}

/**
 * Debian's nginx as the machine's ceiling: sendfile on, no access log,
 * unlimited keep-alive, and a WebDAV PUT location (`/dav/`) writing to disk.
 */
export async function startNginx(o: NginxOptions): Promise<ServerHandle> {
  const port = await freePort();
  mkdirSync(o.workDir, { recursive: true });
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'dav'])
    mkdirSync(path.join(o.workDir, d), { recursive: true });
  const conf = path.join(o.workDir, 'nginx.conf');
  const isRoot = process.getuid?.() === 0;
  writeFileSync(
    conf,
    `${isRoot ? 'user root;' : ''}
worker_processes auto;
daemon off;
pid ${o.workDir}/nginx.pid;
error_log ${o.workDir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  client_body_temp_path ${o.workDir}/body;
  proxy_temp_path ${o.workDir}/proxy;
  fastcgi_temp_path ${o.workDir}/fastcgi;
  uwsgi_temp_path ${o.workDir}/uwsgi;
  scgi_temp_path ${o.workDir}/scgi;
  types { application/json json; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port} reuseport;
    root ${o.root};
    location /dav/ {
      root ${o.workDir};
      dav_methods PUT DELETE;
      create_full_put_path on;
      client_max_body_size 0;
      client_body_buffer_size 4m;
    }
  }
}
`,
  );
  return launch({
    name: 'nginx',
    cmd: 'nginx',
    args: ['-p', o.workDir, '-c', conf, '-e', path.join(o.workDir, 'error.log')],
    logFile: path.join(o.workDir, 'stdout.log'),
    port,
    readyPath: o.readyPath,
    stopSignal: 'SIGQUIT',
  });
}

export interface SinkOptions {
  workDir: string;
}

/**
 * A Node process that reads and discards request bodies: the client's own
 * ceiling (how fast curl or the Node client can send).
 */
export async function startSink(o: SinkOptions): Promise<ServerHandle> {
  const port = await freePort();
  const script = `
const http = require('node:http');
http.createServer((req, res) => {
  let n = 0;
  req.on('data', (c) => { n += c.length; });
  req.on('end', () => {
    if (req.method === 'POST') { res.writeHead(202, { location: '/upload/1', 'content-length': 0 }); return res.end(); }
    if (req.method === 'PATCH') { res.writeHead(202, { location: '/upload/1', range: '0-' + Math.max(0, n - 1), 'content-length': 0 }); return res.end(); }
    res.writeHead(req.method === 'PUT' ? 201 : 200, { 'content-length': 0, location: '/done' });
    res.end();
  });
}).listen(${port}, '127.0.0.1');
`;
  return launch({
    name: 'sink',
    cmd: process.execPath,
    args: ['-e', script],
    logFile: path.join(o.workDir, 'sink.log'),
    port,
    readyPath: '/v2/',
  });
}
