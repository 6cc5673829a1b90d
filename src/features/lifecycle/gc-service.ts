/**
 * Garbage collection runs: started by hand or by schedule, one at a time
 * (409 otherwise), executed as jobs of the metadata store so a run a crashed
 * node left behind is resumed by whichever node claims it next.
 */
import type { JobQueue } from '../../core/jobs.ts';
import type { MetadataStore, StorageDriver } from '../../core/ports.ts';
import { collect, type GcPhase, GcStopped } from './gc-collector.ts';
import type { GcMetrics } from './metrics.ts';
import type { GcParameters, GcRun, GcStore } from './ports.ts';

export const GC_JOB = 'gc';

export class GcConflictError extends Error {
  constructor(readonly active: GcRun) {
    super(`garbage collection run ${active.id} is ${active.status.toLowerCase()}; wait for it to finish`);
  }
}

export interface GcServiceOptions {
  store: GcStore;
  metadata: MetadataStore;
  storage: StorageDriver;
  jobs: JobQueue;
  owner: string;
  /** How long a claimed run stays this node's without an extension; default 60 s. */
  leaseMs?: number;
  /** Whether pushes are going on (a run paces itself while they are). */
  pushesActive?: () => boolean;
  keepHistory: number;
  uploadMaxAgeHours: number;
  metrics?: GcMetrics;
  onError?: (err: unknown) => void;
}

export const defaultGcParameters: GcParameters = {
  deleteUntagged: false,
  dryRun: false,
  workers: 4,
  timeWindowHours: 2,
};

export class GcService {
  /** Pace runs while pushes go on (see gc-collector.ts); off only to measure what pacing buys (bench/probes/gc-sweep-ab.ts). */
  pacing = true;

  constructor(private readonly o: GcServiceOptions) {}

  get store(): GcStore {
    return this.o.store;
  }

  /** Queues a run; GcConflictError when one is pending or running. */
  async start(trigger: GcRun['trigger'], parameters: GcParameters): Promise<GcRun> {
    const run = await this.o.store.createRun(trigger, parameters);
    if (!run) throw new GcConflictError((await this.o.store.activeRun()) as GcRun);
    await this.o.jobs.enqueue(GC_JOB, { runId: run.id }, { maxAttempts: 1000 });
    return run;
  }

  /** Runs GC on `cron` (a checked expression) with `parameters`; `type` is Harbor's label (Hourly, Custom, …). */
  setSchedule(name: string, type: string, cron: string, parameters: GcParameters): Promise<void> {
    return this.o.store.setSchedule(name, type, cron, parameters as unknown as Record<string, unknown>);
  }

  /** No more scheduled runs (Harbor's `None`). */
  clearSchedule(name: string): Promise<void> {
    return this.o.store.deleteSchedule(name);
  }

  async stop(id: number): Promise<GcRun | null> {
    const run = await this.o.store.run(id);
    if (run && (run.status === 'Pending' || run.status === 'Running')) await this.o.store.setStatus(id, 'Stopped');
    return this.o.store.run(id);
  }

  /**
   * Claims and executes due GC jobs until none is left (a queued run, or one
   * whose node died: its lease ran out). Returns the runs executed.
   */
  async drain(progress?: (run: GcRun, phase: GcPhase, done: number, total: number) => void): Promise<GcRun[]> {
    const executed: GcRun[] = [];
    for (;;) {
      const job = await this.o.jobs.claim(this.o.owner, [GC_JOB], this.o.leaseMs ?? 60_000);
      if (!job) return executed;
      const runId = (job.payload as { runId: number }).runId;
      const run = await this.o.store.run(runId);
      if (!run || run.status === 'Stopped' || run.status === 'Success' || run.status === 'Error') {
        await this.o.jobs.complete(job.id, this.o.owner);
        continue;
      }
      if (job.attempts > 1)
        await this.o.store.appendLog(run.id, `${new Date().toISOString()} resuming (attempt ${job.attempts})\n`);
      await this.o.store.setStatus(run.id, 'Running');
      const started = performance.now();
      let status: GcRun['status'] = 'Success';
      try {
        await collect(run, {
          store: this.o.store,
          metadata: this.o.metadata,
          storage: this.o.storage,
          keepHistory: this.o.keepHistory,
          uploadMaxAgeHours: this.o.uploadMaxAgeHours,
          busy: () => this.pacing && (this.o.pushesActive?.() ?? false),
          progress: progress ? (phase, done, total) => progress(run, phase, done, total) : undefined,
          heartbeat: async () => {
            if (!(await this.o.jobs.extend(job.id, this.o.owner, this.o.leaseMs ?? 60_000))) return false;
            return (await this.o.store.run(run.id))?.status !== 'Stopped';
          },
        });
      } catch (err) {
        if (err instanceof GcStopped) status = 'Stopped';
        else {
          status = 'Error';
          this.o.onError?.(err);
          await this.o.store.appendLog(run.id, `${new Date().toISOString()} error: ${(err as Error).message}\n`);
        }
      }
      if (status !== 'Stopped') await this.o.store.setStatus(run.id, status);
      await this.o.jobs.complete(job.id, this.o.owner);
      const done = (await this.o.store.run(run.id)) as GcRun;
      this.o.metrics?.observe(done, (performance.now() - started) / 1000);
      executed.push(done);
    }
  }
}
