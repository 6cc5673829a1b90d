/**
 * Small process helpers: run a command and capture its output, time it.
 */
import { type SpawnOptions, spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock milliseconds from spawn to exit. */
  ms: number;
}

export interface RunOptions extends SpawnOptions {
  /** Reject when the exit code is not 0 (default true). */
  check?: boolean;
  /** Bytes written to stdin, then closed. */
  input?: string | Buffer;
}

/** Runs `cmd args…`, collects stdout/stderr, measures wall time. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const { check = true, input, ...spawnOpts } = opts;
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...spawnOpts });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const r = { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms };
      if (check && code !== 0) {
        reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${r.stderr.slice(-2000) || r.stdout.slice(-2000)}`));
      } else {
        resolve(r);
      }
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/** Milliseconds elapsed since `t0` (from `now()`). */
export function since(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export function now(): bigint {
  return process.hrtime.bigint();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** True when `cmd` is on PATH. */
export async function have(cmd: string): Promise<boolean> {
  const r = await run('sh', ['-c', `command -v ${cmd}`], { check: false });
  return r.code === 0;
}
