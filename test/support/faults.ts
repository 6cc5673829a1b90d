/**
 * Crash injection at an exact instant: strace attaches to the running server
 * and delivers SIGKILL when one of its threads enters the n-th call of a
 * given system call (`strace -e inject=SYSCALL:signal=SIGKILL:when=N`).
 * Enumerating (syscall, n) over the durable operations of one request walks
 * the request's crash points (before and after each rename, fsync, SQLite
 * write…) without any knowledge of the server's code. strace counts calls per
 * thread, so `n` is the n-th call in whichever thread gets there first.
 *
 * Needs root (ptrace) and Debian's `strace`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Why crash injection cannot run here, or null when it can. */
export function faultInjectionUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'crash injection needs root (ptrace)';
  if (spawnSync('strace', ['-V'], { stdio: 'ignore' }).status !== 0)
    return 'strace is not installed (apt-get install -y strace)';
  // Attaching (PTRACE_ATTACH) may still be forbidden (Yama ptrace_scope 3, a seccomp profile): try it.
  const probe = spawnSync(
    'sh',
    [
      '-c',
      'sleep 5 & p=$!; strace -qq -o /dev/null -e trace=none -p $p & s=$!; ' +
        'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.1; grep -q "TracerPid:[[:space:]]*[1-9]" /proc/$p/status && break; done; ' +
        'grep "TracerPid" /proc/$p/status; kill $s $p 2>/dev/null; wait 2>/dev/null',
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (!/TracerPid:\s*[1-9]/.test(probe.stdout ?? ''))
    return `strace cannot attach to a process here: ${probe.stderr?.trim()}`;
  return null;
}

function tracedThreads(pid: number): { all: boolean; count: number } {
  try {
    const tasks = readdirSync(`/proc/${pid}/task`);
    const traced = tasks.filter((t) => {
      const status = readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8');
      return /TracerPid:\s+(\d+)/.exec(status)?.[1] !== '0';
    });
    return { all: traced.length === tasks.length, count: tasks.length };
  } catch {
    return { all: false, count: 0 };
  }
}

export interface ArmedCrash {
  /** The syscall set and occurrence, for messages. */
  readonly point: string;
  /** Stops tracing (when the crash did not happen) and waits for strace to exit. */
  disarm(): Promise<void>;
}

/**
 * Arms a SIGKILL for process `pid` at the `n`-th entry into `syscall` (a
 * strace syscall name, or several joined by commas). Resolves once every
 * thread of the process is traced.
 */
export async function armCrash(pid: number, syscall: string, n: number): Promise<ArmedCrash> {
  const strace: ChildProcess = spawn(
    'strace',
    [
      '-f',
      '-qq',
      '-o',
      '/dev/null',
      '-p',
      String(pid),
      '-e',
      `trace=${syscall}`,
      '-e',
      `inject=${syscall}:signal=SIGKILL:when=${n}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  strace.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<void>((resolve) => strace.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!tracedThreads(pid).all) {
    if (strace.exitCode !== null || Date.now() > deadline) {
      strace.kill('SIGKILL');
      throw new Error(`strace could not attach to ${pid}: ${stderr}`);
    }
    await sleep(20);
  }
  return {
    point: `${syscall}#${n}`,
    async disarm() {
      if (strace.exitCode === null && strace.signalCode === null) strace.kill('SIGTERM'); // strace detaches on SIGTERM
      await exited;
    },
  };
}
