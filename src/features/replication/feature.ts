/**
 * The replication feature assembled from its ports: the service, the worker
 * on the shared job queue (execution and task jobs), the registry-event
 * listener of event-based policies and the cron clock of scheduled ones.
 */
import { Counter, type Registry as MetricsRegistry } from 'prom-client';
import type { RegistryHooks } from '../../core/hooks.ts';
import type { JobQueue } from '../../core/jobs.ts';
import type { Registry } from '../../core/registry.ts';
import type { RegistriesService } from '../registries/service.ts';
import { JobRunner } from '../webhooks/job-runner.ts';
import { EXECUTION_JOB, ReplicationService, TASK_JOB } from './service.ts';
import { type LabelsOf, LocalSide } from './sides.ts';
import type { PolicyRecord, ReplicationStore } from './store.ts';
import { ReplicationWorker } from './worker.ts';

export interface ReplicationDeps {
  store: ReplicationStore;
  jobs: JobQueue;
  registry: Registry;
  registries: RegistriesService;
  owner: string;
  metrics?: MetricsRegistry;
  /** Upload chunk size of copy_by_chunk policies. */
  chunkBytes?: number;
  /** Attempts per task (default 30: with backoff capped at `retryMaxMs`, hours of a target being down). */
  taskAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  concurrency?: number;
  /** Label names of a local artifact, for label filters; absent: local artifacts carry none. */
  labelsOf?: LabelsOf;
  onExecutionDone?: (policy: PolicyRecord, executionId: number, status: string) => void;
  onError?: (err: unknown) => void;
}

export interface ReplicationFeature {
  service: ReplicationService;
  worker: ReplicationWorker;
  runner: JobRunner;
  listen(hooks: RegistryHooks): void;
  start(): void;
  stop(): Promise<void>;
}

export function createReplication(deps: ReplicationDeps): ReplicationFeature {
  const registers = deps.metrics ? [deps.metrics] : [];
  const metrics = {
    bytes: new Counter({
      name: 'berth_replication_bytes_total',
      help: 'Blob bytes read from sources to send to destinations.',
      registers,
    }),
    tasks: new Counter({
      name: 'berth_replication_tasks_total',
      help: 'Replication tasks finished, by status.',
      labelNames: ['status'] as const,
      registers,
    }),
    blobs: new Counter({
      name: 'berth_replication_blobs_total',
      help: 'Blobs a task needed: present at the destination, mounted there, or copied.',
      labelNames: ['outcome'] as const,
      registers,
    }),
  };
  const taskAttempts = deps.taskAttempts ?? 30;
  let runner: JobRunner | undefined;
  const service = new ReplicationService({
    store: deps.store,
    jobs: deps.jobs,
    registries: deps.registries,
    taskAttempts,
    onQueued: () => runner?.nudge(),
  });
  const worker = new ReplicationWorker({
    service,
    registries: deps.registries,
    local: new LocalSide(deps.registry, deps.labelsOf),
    chunkBytes: deps.chunkBytes ?? 8 * 1024 * 1024,
    taskAttempts,
    retryBaseMs: deps.retryBaseMs ?? 2_000,
    retryMaxMs: deps.retryMaxMs ?? 5 * 60_000,
    metrics,
    onExecutionDone: deps.onExecutionDone,
  });
  runner = new JobRunner({
    jobs: deps.jobs,
    kinds: [EXECUTION_JOB, TASK_JOB],
    owner: deps.owner,
    handle: (job) => (job.kind === EXECUTION_JOB ? worker.runExecution(job) : worker.runTask(job)),
    concurrency: deps.concurrency ?? 3,
    leaseMs: 60_000,
    onError: (err) => deps.onError?.(err),
  });
  deps.registries.addUseCheck(async (r) => {
    const users = (await deps.store.policies()).filter((p) => p.srcRegistryId === r.id || p.destRegistryId === r.id);
    return users.length ? `the registry is used by replication policy ${users.map((p) => p.name).join(', ')}` : null;
  });
  let clock: NodeJS.Timeout | null = null;
  return {
    service,
    worker,
    runner,
    listen(hooks) {
      hooks.on((event) => worker.onEvent(event), ['manifest.pushed', 'manifest.deleted', 'tag.deleted']);
    },
    start() {
      runner?.start();
      clock = setInterval(() => {
        worker.tickSchedule(new Date()).catch((err) => deps.onError?.(err));
      }, 1_000);
      clock.unref();
    },
    async stop() {
      if (clock) clearInterval(clock);
      await runner?.stop();
    },
  };
}
