/**
 * Resident-memory sampling from /proc: a process's own high-water mark
 * (VmHWM) and the summed VmRSS of its process tree, sampled on a timer, so a
 * server that forks workers is counted whole.
 */
import { readdirSync, readFileSync } from 'node:fs';

function statusField(pid: number, field: string): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** VmHWM of one process in KiB (null once it has exited). */
export function vmHwmKiB(pid: number): number | null {
  return statusField(pid, 'VmHWM');
}

/** The pid and all its descendants. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const p = out[i];
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        const children = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
        if (children) for (const c of children.split(/\s+/)) out.push(Number(c));
      } catch {
        // task gone
      }
    }
  }
  return out;
}

/** Samples a process tree's summed RSS every `intervalMs`; keeps the peak. */
export class RssSampler {
  private timer: NodeJS.Timeout;
  private peakTreeKiB = 0;
  private peakHwmKiB = 0;
  private treeSize = 1;

  constructor(
    private readonly pid: number,
    intervalMs = 200,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): void {
    const tree = processTree(this.pid);
    this.treeSize = Math.max(this.treeSize, tree.length);
    let sum = 0;
    for (const p of tree) sum += statusField(p, 'VmRSS') ?? 0;
    this.peakTreeKiB = Math.max(this.peakTreeKiB, sum);
    this.peakHwmKiB = Math.max(this.peakHwmKiB, vmHwmKiB(this.pid) ?? 0);
  }

  /** The peak so far in KiB. */
  peek(): number {
    // A single process: VmHWM is exact. A tree: the sampled sum (children's
    // own high-water marks are not additive in time).
    return this.treeSize > 1 ? Math.max(this.peakTreeKiB, this.peakHwmKiB) : this.peakHwmKiB || this.peakTreeKiB;
  }

  /** Stops sampling (after a last sample); returns the peak in KiB. */
  stop(): { peakKiB: number; hwmKiB: number; processes: number } {
    this.sample();
    clearInterval(this.timer);
    return { peakKiB: this.peek(), hwmKiB: this.peakHwmKiB, processes: this.treeSize };
  }
}

/** CPU seconds (user + system, all threads) used so far by a process and its descendants. */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces): state is field 3; utime 14, stime 15.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(rest[11]) + Number(rest[12]);
    } catch {
      // exited
    }
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

/**
 * Seconds the threads of a process tree spent runnable but waiting for a CPU
 * (/proc/PID/task/TID/schedstat, second field): how much other load on the
 * machine held the server back. Threads that exited are not counted.
 */
export function runQueueWaitSeconds(pid: number): number {
  return schedstatSeconds(pid, 1);
}

/**
 * CPU seconds the live threads of a process tree have run, to the nanosecond
 * (schedstat's first field): for windows of a few milliseconds (one small
 * pull), which `cpuSeconds` counts in 10 ms ticks. Threads that exited are not
 * counted; the servers' threads live as long as they do.
 */
export function threadCpuSeconds(pid: number): number {
  return schedstatSeconds(pid, 0);
}

/** A field of /proc/PID/task/TID/schedstat (nanoseconds), summed over the threads of a process tree. */
function schedstatSeconds(pid: number, field: 0 | 1): number {
  let ns = 0;
  for (const p of processTree(pid)) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        ns += Number(readFileSync(`/proc/${p}/task/${t}/schedstat`, 'utf8').split(' ')[field]);
      } catch {
        // gone
      }
    }
  }
  return ns / 1e9;
}
