/** Prometheus series of the storage lifecycle: GC runs, duration, freed blobs and bytes; logical and physical bytes. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { GcRun, LifecycleStore } from './ports.ts';

export class GcMetrics {
  private readonly runs: Counter<'status'>;
  private readonly duration: Histogram;
  private readonly blobs: Counter;
  private readonly bytes: Counter;

  constructor(registry: Registry, store?: LifecycleStore) {
    this.runs = new Counter({
      name: 'berth_gc_runs_total',
      help: 'Garbage collection runs finished, by outcome.',
      labelNames: ['status'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'berth_gc_duration_seconds',
      help: 'Duration of garbage collection runs.',
      buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600],
      registers: [registry],
    });
    this.blobs = new Counter({
      name: 'berth_gc_blobs_deleted_total',
      help: 'Blobs deleted by garbage collection.',
      registers: [registry],
    });
    this.bytes = new Counter({
      name: 'berth_gc_bytes_freed_total',
      help: 'Bytes freed by garbage collection.',
      registers: [registry],
    });
    if (store) {
      // Read when scraped: the sum of image sizes against the bytes stored once.
      new Gauge({
        name: 'berth_storage_bytes',
        help: 'Registry storage: logical (sum of tagged image sizes) and physical (each blob once).',
        labelNames: ['kind'],
        registers: [registry],
        async collect() {
          const usage = await store.registryUsage();
          this.set({ kind: 'logical' }, usage.logical);
          this.set({ kind: 'physical' }, usage.physical);
        },
      });
    }
  }

  observe(run: GcRun, seconds: number): void {
    this.runs.inc({ status: run.status });
    this.duration.observe(seconds);
    if (!run.parameters.dryRun) {
      this.blobs.inc(run.blobsDeleted);
      this.bytes.inc(run.bytesFreed);
    }
  }
}

/** Tag retention: executions by outcome and dry run, artifacts removed. */
export class RetentionMetrics {
  private readonly runs: Counter<'status' | 'dry_run'>;
  private readonly removedTotal: Counter;

  constructor(registry: Registry) {
    this.runs = new Counter({
      name: 'berth_retention_runs_total',
      help: 'Tag retention executions finished, by outcome and dry run.',
      labelNames: ['status', 'dry_run'],
      registers: [registry],
    });
    this.removedTotal = new Counter({
      name: 'berth_retention_artifacts_removed_total',
      help: 'Artifacts removed by tag retention.',
      registers: [registry],
    });
  }

  run(status: string, dryRun: boolean): void {
    this.runs.inc({ status, dry_run: String(dryRun) });
  }

  removed(n: number): void {
    this.removedTotal.inc(n);
  }
}
