/**
 * The storage-lifecycle feature: garbage collection (runs, schedules), quotas,
 * immutable tag rules and tag history, wired into a Registry's hooks.
 */

import type { Registry as MetricsRegistry } from 'prom-client';
import type { JobQueue } from '../../core/jobs.ts';
import type { Registry } from '../../core/registry.ts';
import { cronMatches, parseCron } from './cron.ts';
import { GcPushGuard, PushActivity, waitUntilSettled } from './gc-guard.ts';
import { GcConflictError, GcService } from './gc-service.ts';
import { TagHistory } from './history.ts';
import { ImmutableTags } from './immutable.ts';
import { GcMetrics, RetentionMetrics } from './metrics.ts';
import type { GcParameters, GcStore, LifecycleStore, RetentionStore } from './ports.ts';
import { quotaGuard } from './quota.ts';
import { RetentionService } from './retention-service.ts';

export interface LifecycleOptions {
  registry: Registry;
  gcStore: GcStore;
  store: LifecycleStore;
  retentionStore: RetentionStore;
  /** Label names of a repository's artifacts by digest (the labels feature); absent: label selectors match nothing. */
  labels?: (repository: string, digests: string[]) => Promise<Map<string, string[]>>;
  jobs: JobQueue;
  /** This node's name for job leases. */
  owner: string;
  /** How long a GC run or retention execution stays a node's without an extension (a dead node's is resumed after it); default 60 s. */
  leaseMs?: number;
  /** History entries per tag whose manifests GC keeps (rollback targets); default 10. */
  keepHistory?: number;
  /** Age in hours after which an untouched upload session is purged; default 24. */
  uploadMaxAgeHours?: number;
  metrics?: MetricsRegistry;
  onError?: (err: unknown) => void;
}

export interface LifecycleFeature {
  gc: GcService;
  store: LifecycleStore;
  history: TagHistory;
  immutable: ImmutableTags;
  retention: RetentionService;
  registry: Registry;
  /** Runs queued GC jobs and retention executions (resuming those of dead nodes) and fires schedules in the background. */
  start(): void;
  stop(): Promise<void>;
  /** Runs queued GC jobs now rather than at the next timer tick (after a manual start). */
  kick(): void;
  /** One scheduler pass at `now` (tests drive it). */
  tick(now?: Date): Promise<void>;
}

export const GC_SCHEDULE = 'gc';

export function createLifecycle(o: LifecycleOptions): LifecycleFeature {
  const { registry, gcStore, store } = o;
  const metrics = o.metrics ? new GcMetrics(o.metrics, store) : undefined;
  const gc = new GcService({
    store: gcStore,
    metadata: registry.metadata,
    storage: registry.storage,
    jobs: o.jobs,
    owner: o.owner,
    leaseMs: o.leaseMs,
    pushesActive: () => activity.busy(),
    keepHistory: o.keepHistory ?? 10,
    uploadMaxAgeHours: o.uploadMaxAgeHours ?? 24,
    metrics,
    onError: o.onError,
  });
  const history = new TagHistory(store, registry.metadata, o.onError);
  const immutable = new ImmutableTags(store, registry.metadata);
  const activity = new PushActivity();
  const pushes = new GcPushGuard(gcStore, activity);
  registry.hooks.addGuard(quotaGuard(store, registry.metadata));
  registry.hooks.addGuard(immutable.guard());
  registry.hooks.addGuard(history.guard());
  // Last: its intent is written only for a push the other guards let through.
  registry.hooks.addGuard(pushes.guard());
  registry.hooks.on(history.listener, ['manifest.pushed', 'tag.deleted', 'manifest.deleted']);
  registry.hooks.on(pushes.listener, ['manifest.pushed']);
  registry.uploads.blobSettled = (digest) => {
    activity.seen();
    return waitUntilSettled(gcStore, [digest]);
  };
  const retention = new RetentionService({
    store: o.retentionStore,
    registry,
    immutable,
    history,
    schedules: gcStore,
    jobs: o.jobs,
    owner: o.owner,
    leaseMs: o.leaseMs,
    labels: o.labels,
    metrics: o.metrics ? new RetentionMetrics(o.metrics) : undefined,
    onError: o.onError,
  });

  const tick = async (now = new Date()) => {
    const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString();
    for (const s of await gcStore.schedules()) {
      if (s.name !== GC_SCHEDULE) continue;
      let fires = false;
      try {
        fires = cronMatches(parseCron(s.cron), now);
      } catch {
        continue; // validated when set; an old row with a bad expression never fires
      }
      if (!fires || !(await gcStore.claimFiring(s.name, minute))) continue;
      await gc.start('Schedule', s.parameters as unknown as GcParameters).catch((err) => {
        if (!(err instanceof GcConflictError)) throw err;
      });
    }
    await retention.tick(now, minute);
  };

  let timers: NodeJS.Timeout[] = [];
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const pass = () => {
    running = running
      .then(() => (stopped ? undefined : tick()))
      .then(() => (stopped ? undefined : gc.drain()))
      // Executions queued elsewhere, or left by a node that died: resumed here once their lease ran out.
      .then(() => (stopped ? undefined : retention.drain()))
      .catch((err) => o.onError?.(err));
  };
  return {
    gc,
    store,
    history,
    immutable,
    retention,
    registry,
    tick,
    kick: () => {
      if (timers.length > 0) pass();
    },
    start() {
      timers = [setInterval(pass, 5_000)];
      for (const t of timers) t.unref();
      pass();
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await running;
      await retention.idle();
      await history.idle();
    },
  };
}
