/**
 * A small loop over the shared job queue: claims due jobs of some kinds with
 * a lease, keeps the lease while a handler works, and completes or fails them
 * (a failure is retried at the time the handler names, until the job's
 * attempts run out). Webhook deliveries and replication tasks both run on it.
 */
import type { Job, JobQueue } from '../../core/jobs.ts';

/** What a handler decides: done, or retry at a time with a reason. */
export type JobOutcome = { retryAt: Date; error: string } | undefined;

export interface JobRunnerOptions {
  jobs: JobQueue;
  kinds: string[];
  /** This node's name in job leases. */
  owner: string;
  handle: (job: Job) => Promise<JobOutcome>;
  leaseMs?: number;
  pollMs?: number;
  /** Jobs run at once on this node. */
  concurrency?: number;
  onError?: (err: unknown, job?: Job) => void;
}

/** 2 s, 4 s, 8 s … capped at `maxMs`: the delay before attempt `attempts + 1`. */
export function backoff(attempts: number, baseMs = 2_000, maxMs = 5 * 60_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

export class JobRunner {
  private timer: NodeJS.Timeout | null = null;
  private running = 0;
  private stopped = true;
  private readonly active = new Set<Promise<void>>();
  private polling = false;

  constructor(private readonly options: JobRunnerOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Look for work now (a job was just queued on this node). */
  nudge(): void {
    if (!this.stopped) this.schedule(0);
  }

  /**
   * Stops claiming and waits for running jobs, at most `graceMs`: a long copy is not waited for (its lease
   * runs out and the job is claimed again, from its checkpoint, after a restart or by another node).
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
      timer.unref();
    });
    await Promise.race([Promise.allSettled([...this.active]), grace]);
    clearTimeout(timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.fill();
    }, ms);
    this.timer.unref();
  }

  /** Claims jobs until the node is busy or none is due. */
  private async fill(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    const max = this.options.concurrency ?? 2;
    try {
      while (!this.stopped && this.running < max) {
        const job = await this.options.jobs.claim(this.options.owner, this.options.kinds, this.leaseMs);
        if (!job) break;
        this.running++;
        const work = this.run(job).finally(() => {
          this.running--;
          this.active.delete(work);
          this.schedule(0);
        });
        this.active.add(work);
      }
    } catch (err) {
      this.options.onError?.(err);
    } finally {
      this.polling = false;
      this.schedule(this.options.pollMs ?? 1_000);
    }
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? 60_000;
  }

  private async run(job: Job): Promise<void> {
    const { jobs, owner } = this.options;
    const keep = setInterval(() => {
      jobs.extend(job.id, owner, this.leaseMs).catch((err) => this.options.onError?.(err, job));
    }, this.leaseMs / 3);
    keep.unref();
    try {
      let outcome: JobOutcome;
      try {
        outcome = await this.options.handle(job);
      } catch (err) {
        this.options.onError?.(err, job);
        outcome = {
          retryAt: new Date(Date.now() + backoff(job.attempts)),
          error: err instanceof Error ? err.message : String(err),
        };
      }
      if (outcome) await jobs.fail(job.id, owner, outcome.error, outcome.retryAt);
      else await jobs.complete(job.id, owner);
    } catch (err) {
      this.options.onError?.(err, job);
    } finally {
      clearInterval(keep);
    }
  }
}
