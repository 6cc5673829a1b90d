/**
 * Runs `kube.reconcile` jobs from the shared job queue: claims one with a
 * lease, keeps the lease while it works, records each copy's state, and
 * completes it (or fails it for a retry when a copy could not be written).
 * Any node may run one; the queue makes sure each job runs on one at a time.
 * It also queues a full reconcile every `fullIntervalMs`, once across all
 * nodes (the store's periodic clock decides who).
 */
import type { Job, JobQueue } from '../../core/jobs.ts';
import type { ClusterService } from './cluster-service.ts';
import { RECONCILE_JOB, type ReconcilePayload } from './connection-service.ts';
import { KubeNotFoundError } from './errors.ts';
import type { KubeStore } from './store.ts';

export interface KubeWorkerOptions {
  jobs: JobQueue;
  clusters: ClusterService;
  store: KubeStore;
  /** This node's name in job leases. */
  owner: string;
  leaseMs?: number;
  /** How often to look for due jobs when not nudged. */
  pollMs?: number;
  /** Full reconcile period; 0 turns it off. */
  fullIntervalMs?: number;
  /** Delay before a job whose copies failed runs again (times its attempts). */
  retryMs?: number;
  onError?: (err: unknown, job?: Job) => void;
  onJob?: (job: Job, outcome: 'done' | 'retry', detail?: string) => void;
  /** Run after each job, done or not (retiring a refreshed robot's old secret once every cluster has the new one). */
  afterRun?: () => Promise<unknown>;
}

export const PERIODIC_KEY = 'kube.full-reconcile';

export class KubeWorker {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private lastPeriodicCheck = 0;

  constructor(private readonly options: KubeWorkerOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Look for work now (a job was just queued on this node). */
  nudge(): void {
    if (this.stopped) return;
    if (this.current) this.again = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.current = this.tick().finally(() => {
        this.current = null;
        const soon = this.again;
        this.again = false;
        this.schedule(soon ? 0 : (this.options.pollMs ?? 2000));
      });
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.periodic();
      while (!this.stopped && (await this.runOnce()));
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  private async periodic(): Promise<void> {
    const interval = this.options.fullIntervalMs ?? 0;
    if (interval <= 0) return;
    const now = Date.now();
    if (now - this.lastPeriodicCheck < Math.min(interval, 60_000)) return;
    this.lastPeriodicCheck = now;
    if (await this.options.store.claimPeriodic(PERIODIC_KEY, interval)) {
      const payload: ReconcilePayload = { all: true, reason: 'periodic' };
      await this.options.jobs.enqueue(RECONCILE_JOB, payload);
    }
  }

  /** Claims and runs one due job; false when none was due. */
  async runOnce(): Promise<boolean> {
    const { jobs, owner } = this.options;
    const leaseMs = this.options.leaseMs ?? 60_000;
    const job = await jobs.claim(owner, [RECONCILE_JOB], leaseMs);
    if (!job) return false;
    const keep = setInterval(() => {
      jobs.extend(job.id, owner, leaseMs).catch((err) => this.options.onError?.(err, job));
    }, leaseMs / 3);
    keep.unref();
    try {
      const failures = await this.run(job.payload as ReconcilePayload);
      if (failures.length === 0) {
        await jobs.complete(job.id, owner);
        this.options.onJob?.(job, 'done');
      } else {
        const detail = failures.join('; ');
        const retryAt = new Date(Date.now() + (this.options.retryMs ?? 30_000) * job.attempts);
        await jobs.fail(job.id, owner, detail, retryAt);
        this.options.onJob?.(job, 'retry', detail);
      }
    } catch (err) {
      this.options.onError?.(err, job);
      const retryAt = new Date(Date.now() + (this.options.retryMs ?? 30_000) * job.attempts);
      await jobs.fail(job.id, owner, err instanceof Error ? err.message : String(err), retryAt);
    } finally {
      clearInterval(keep);
    }
    await this.options.afterRun?.().catch((err) => this.options.onError?.(err, job));
    return true;
  }

  /** Failed copies, as `placement N/namespace: message`. */
  private async run(payload: ReconcilePayload): Promise<string[]> {
    const { clusters } = this.options;
    if ('all' in payload) {
      await clusters.reconcileAll();
      return [];
    }
    try {
      const results = await clusters.reconcile(payload.connectionId);
      return results
        .flat()
        .filter((c) => c.state === 'failed')
        .map((c) => `placement ${c.placementId}/${c.namespace}: ${c.message ?? 'failed'}`);
    } catch (err) {
      // The connection was removed after the job was queued: nothing left to do.
      if (err instanceof KubeNotFoundError) return [];
      throw err;
    }
  }
}
