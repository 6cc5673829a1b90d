/**
 * Runs a registry server as a child process for the real-client and crash
 * tests: Berth (`node bin/berth.js serve --port P --data DIR`) by default, or
 * Debian's CNCF Distribution (`docker-registry`) when BERTH_TEST_SERVER=distribution
 * (used to prove the tests themselves against a reference server).
 *
 * The server listens on a free loopback port with a temporary data dir (or a
 * given one); `stop()` is SIGTERM and waits for the exit, `crash()` is kill -9,
 * `restart()` starts again on the same data dir (and port when still free),
 * `fsck()` runs `berth fsck --data DIR`. Everything the server writes to
 * stdout is kept as lines for assertions about the logs.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunResult, removeDir, run, tempDir } from './images.ts';

export type ServerKind = 'berth' | 'distribution';

/** The repository root (where `bin/berth.js` lives). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BERTH_BIN = join(REPO_ROOT, 'bin', 'berth.js');

/** Newest modification time of any file under `dir` (0 when absent). */
function newest(dir: string): number {
  let t = 0;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (!e.isFile()) continue;
      const parent =
        (e as unknown as { parentPath?: string; path?: string }).parentPath ?? (e as unknown as { path: string }).path;
      t = Math.max(t, statSync(join(parent, e.name)).mtimeMs);
    }
  } catch {
    return 0;
  }
  return t;
}

let built = false;
/**
 * `bin/berth.js` runs the compiled `dist/`: rebuild it (once per test
 * process, under a file lock) when a source file is newer, so that running a
 * single test file straight after an edit tests the edit.
 */
export function ensureBuilt(): void {
  if (built) return;
  const distTime = newest(join(REPO_ROOT, 'dist'));
  if (distTime === 0 || newest(join(REPO_ROOT, 'src')) > distTime) {
    const r = spawnSync(
      'flock',
      [
        join(tmpdir(), `berth-build-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12)}.lock`),
        'npm',
        'run',
        '--silent',
        'build',
      ],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    );
    if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
  }
  built = true;
}

export function defaultKind(): ServerKind {
  return process.env.BERTH_TEST_SERVER === 'distribution' ? 'distribution' : 'berth';
}

/** A TCP port that was free on 127.0.0.1 a moment ago (never 5000). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((res, rej) => {
      const srv = createServer();
      srv.unref();
      srv.once('error', rej);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        const p = typeof addr === 'object' && addr ? addr.port : 0;
        srv.close(() => res(p));
      });
    });
    if (port !== 5000 && port > 1024) return port;
  }
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface StartOptions {
  kind?: ServerKind;
  /** Data directory to use (kept on cleanup); a new temp dir when omitted (removed on cleanup). */
  dataDir?: string;
  port?: number;
  /** Extra environment for the server. */
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

export class RegistryServer {
  readonly kind: ServerKind;
  readonly dataDir: string;
  private readonly ownsDataDir: boolean;
  private readonly env: Record<string, string>;
  private readonly startTimeoutMs: number;
  port = 0;
  private child: ChildProcess | null = null;
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null = null;
  /** Every stdout line of every run of this server, in order. */
  readonly stdoutLines: string[] = [];
  /** stderr of every run, concatenated. */
  stderr = '';
  /** Index into stdoutLines where the current run starts. */
  runStart = 0;

  private constructor(opts: Required<Pick<StartOptions, 'kind'>> & StartOptions, dataDir: string, owns: boolean) {
    this.kind = opts.kind;
    this.dataDir = dataDir;
    this.ownsDataDir = owns;
    this.env = opts.env ?? {};
    this.startTimeoutMs = opts.startTimeoutMs ?? 30_000;
  }

  static async start(opts: StartOptions = {}): Promise<RegistryServer> {
    const kind = opts.kind ?? defaultKind();
    const owns = !opts.dataDir;
    const dataDir = opts.dataDir ?? (await tempDir('berth-data-'));
    const server = new RegistryServer({ ...opts, kind }, dataDir, owns);
    try {
      await server.launch(opts.port ?? (await freePort()));
    } catch (err) {
      if (owns) await removeDir(dataDir);
      throw err;
    }
    return server;
  }

  /** `127.0.0.1:PORT`, the registry host for image references. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  get url(): string {
    return `http://${this.host}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** `docker://HOST/repo:tag` for skopeo. */
  ref(repoAndTag: string): string {
    return `docker://${this.host}/${repoAndTag}`;
  }

  /**
   * The stdout lines of every run (or only of the last one started) parsed
   * as JSON; lines that are not JSON are skipped.
   */
  logs(opts: { currentRun?: boolean } = {}): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const line of this.stdoutLines.slice(opts.currentRun ? this.runStart : 0)) {
      try {
        const v = JSON.parse(line) as unknown;
        if (v && typeof v === 'object') out.push(v as Record<string, unknown>);
      } catch {
        // not JSON
      }
    }
    return out;
  }

  /** Everything the server printed, for failure messages. */
  output(): string {
    return `--- stdout\n${this.stdoutLines.join('\n')}\n--- stderr\n${this.stderr}`;
  }

  private async command(port: number): Promise<{ cmd: string; args: string[] }> {
    if (this.kind === 'berth') {
      ensureBuilt();
      return { cmd: process.execPath, args: [BERTH_BIN, 'serve', '--port', String(port), '--data', this.dataDir] };
    }
    // CNCF Distribution: a fixed http.secret keeps upload state valid across restarts.
    const root = join(this.dataDir, 'registry');
    await mkdir(root, { recursive: true });
    const config = join(this.dataDir, 'config.yml');
    await writeFile(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: info',
        '  formatter: json',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${root}`,
        '  delete:',
        '    enabled: true',
        'http:',
        `  addr: 127.0.0.1:${port}`,
        '  secret: berth-test-secret',
        '',
      ].join('\n'),
    );
    return { cmd: 'docker-registry', args: ['serve', config] };
  }

  private async launch(port: number): Promise<void> {
    this.port = port;
    this.runStart = this.stdoutLines.length;
    const { cmd, args } = await this.command(port);
    const child = spawn(cmd, args, {
      cwd: REPO_ROOT,
      // Loopback only: other people run servers on these machines too.
      env: {
        ...process.env,
        ...(this.kind === 'berth' ? { BERTH_HOST: '127.0.0.1', BERTH_AUTH: 'off' } : {}),
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    live.add(child);
    let partial = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      this.stdoutLines.push(...lines.filter((l) => l.length > 0));
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((res) => {
      child.once('exit', (code, signal) => {
        if (partial) this.stdoutLines.push(partial);
        partial = '';
        live.delete(child);
        if (this.child === child) this.child = null;
        res({ code, signal });
      });
    });
    const deadline = Date.now() + this.startTimeoutMs;
    for (;;) {
      if (!this.child) {
        const how = await this.exited;
        throw new Error(`${this.kind} exited during start (code ${how.code}, signal ${how.signal})\n${this.output()}`);
      }
      try {
        const res = await fetch(`${this.url}/v2/`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200 || res.status === 401) {
          // Berth answers /v2/ before its features are wired and holds other requests until then
          // (src/server/hold.ts): one held request answered means start-up work (spool cleanup,
          // recovery) is done, so a test sees the whole server.
          if (this.kind === 'berth')
            await (await fetch(`${this.url}/livez`, { signal: AbortSignal.timeout(30_000) })).arrayBuffer();
          return;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await this.crash();
        throw new Error(`${this.kind} did not answer /v2/ within ${this.startTimeoutMs} ms\n${this.output()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Graceful stop: SIGTERM, then wait for the exit (SIGKILL after `timeoutMs`). Returns the exit code. */
  async stop(timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.child;
    if (!child || !this.exited) return { code: null, signal: null };
    const exited = this.exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** kill -9, and wait until the process is gone. */
  async crash(): Promise<void> {
    const child = this.child;
    if (!child || !this.exited) return;
    const exited = this.exited;
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts again on the same data dir (and the same port when it is still free). */
  async restart(): Promise<void> {
    if (this.child) throw new Error('restart() while the server is running: stop() or crash() first');
    const port = (await portIsFree(this.port)) ? this.port : await freePort();
    await this.launch(port);
  }

  /** `berth fsck --data DIR [args]` (Distribution: `garbage-collect --dry-run`, a consistency walk). */
  async fsck(args: string[] = []): Promise<RunResult> {
    if (this.kind === 'berth') {
      ensureBuilt();
      return run(process.execPath, [BERTH_BIN, 'fsck', '--data', this.dataDir, ...args], {
        cwd: REPO_ROOT,
        timeoutMs: 300_000,
      });
    }
    const r = await run('docker-registry', ['garbage-collect', '--dry-run', join(this.dataDir, 'config.yml')]);
    // Distribution fails on a store that has no blob yet: that is clean too.
    return /Path not found: \/docker\/registry\/v2\/blobs/.test(r.stdout + r.stderr) ? { ...r, code: 0 } : r;
  }

  /** Stops the server (gracefully) and removes the data dir when this helper created it. */
  async cleanup(): Promise<void> {
    if (this.child) await this.stop();
    if (this.ownsDataDir) await removeDir(this.dataDir);
  }
}

/** Starts a server (see RegistryServer.start). */
export function startServer(opts: StartOptions = {}): Promise<RegistryServer> {
  return RegistryServer.start(opts);
}
