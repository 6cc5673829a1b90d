/**
 * Runs replication jobs: an execution job lists what its policy selects and
 * queues the tasks; a task job copies (or deletes) one artifact, keeping a
 * log, the bytes sent and the chunk checkpoint, and is retried with backoff
 * until its attempts run out. Also turns registry events into event-based
 * executions and fires scheduled policies once per cron tick across nodes.
 */
import type { Counter } from 'prom-client';
import type { RegistryEvent } from '../../core/hooks.ts';
import type { Job } from '../../core/jobs.ts';
import { UpstreamError } from '../registries/client.ts';
import type { RegistriesService } from '../registries/service.ts';
import { backoff, type JobOutcome } from '../webhooks/job-runner.ts';
import { ArtifactCopier, PermanentCopyError, StoppedError } from './copier.ts';
import { destinationRepository, parseCron } from './patterns.ts';
import { hasLabelFilter, labelsPass, selects } from './policy-input.ts';
import type { ReplicationService } from './service.ts';
import { type DestinationSide, type LocalSide, RemoteSide, type SourceSide } from './sides.ts';
import type { NewTask, PolicyRecord, TaskRecord } from './store.ts';

export interface ReplicationMetrics {
  bytes: Counter;
  tasks: Counter<'status'>;
  blobs: Counter<'outcome'>;
}

export interface ReplicationWorkerOptions {
  service: ReplicationService;
  registries: RegistriesService;
  local: LocalSide;
  chunkBytes: number;
  taskAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  metrics?: ReplicationMetrics;
  /** Told when an execution ends (the REPLICATION webhook). */
  onExecutionDone?: (policy: PolicyRecord, executionId: number, status: string) => void;
}

export class ReplicationWorker {
  constructor(private readonly o: ReplicationWorkerOptions) {}

  private get store() {
    return this.o.service.store;
  }

  private async sides(policy: PolicyRecord): Promise<{ source: SourceSide; destination: DestinationSide }> {
    const side = async (id: number | null) =>
      id === null ? this.o.local : new RemoteSide(`registry:${id}`, await this.o.registries.client(id));
    return { source: await side(policy.srcRegistryId), destination: await side(policy.destRegistryId) };
  }

  /** An execution job: what the policy selects, one task per tag. */
  async runExecution(job: Job): Promise<JobOutcome> {
    const { executionId } = job.payload as { executionId: number };
    const execution = await this.store.execution(executionId);
    if (execution?.status !== 'InProgress') return undefined;
    const policy = await this.store.policy(execution.policyId);
    if (!policy) {
      await this.store.settleExecution(executionId, 'Failed', 'the policy was deleted');
      return undefined;
    }
    try {
      const { source } = await this.sides(policy);
      const tasks: NewTask[] = [];
      for (const repository of await source.repositories()) {
        if (
          !selects(
            policy.filters.filter((f) => f.type === 'name'),
            repository,
            null,
          )
        )
          continue;
        const dst = destinationRepository(repository, policy.destNamespace, policy.destNamespaceReplaceCount);
        for (const tag of await source.tags(repository)) {
          if (!selects(policy.filters, repository, tag)) continue;
          if (!(await this.labelsAllow(policy, source, repository, tag))) continue;
          tasks.push({
            operation: 'copy',
            resourceType: 'image',
            srcResource: `${repository}:${tag}`,
            dstResource: `${dst}:${tag}`,
          });
        }
      }
      await this.o.service.queueTasks(executionId, tasks);
      if (tasks.length === 0) this.finished(policy, executionId, 'Succeed');
      return undefined;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (job.attempts >= 5) {
        await this.store.settleExecution(executionId, 'Failed', `listing the source failed: ${message}`);
        this.finished(policy, executionId, 'Failed');
        return undefined;
      }
      await this.store.settleExecution(executionId, null, `listing the source failed, retrying: ${message}`);
      return {
        retryAt: new Date(Date.now() + backoff(job.attempts, this.o.retryBaseMs, this.o.retryMaxMs)),
        error: message,
      };
    }
  }

  /** A task job: copy or delete one artifact. */
  async runTask(job: Job): Promise<JobOutcome> {
    const { taskId } = job.payload as { taskId: number };
    const task = await this.store.task(taskId);
    if (!task || task.status === 'Succeed' || task.status === 'Failed' || task.status === 'Stopped') return undefined;
    const execution = await this.store.execution(task.executionId);
    const policy = execution ? await this.store.policy(execution.policyId) : null;
    if (!execution || !policy || execution.status === 'Stopped') {
      await this.store.updateTask(taskId, { status: 'Stopped', ended: true, logLine: 'stopped before it ran' });
      return undefined;
    }
    const attempt = task.attempts + 1;
    await this.store.updateTask(taskId, {
      status: 'InProgress',
      attempts: attempt,
      started: true,
      logLine: `attempt ${attempt}: ${task.operation} ${task.srcResource} -> ${task.dstResource}`,
    });
    try {
      await this.perform(policy, task);
      await this.store.updateTask(taskId, { status: 'Succeed', ended: true, logLine: 'done' });
      this.o.metrics?.tasks.inc({ status: 'Succeed' });
      await this.settle(policy, task.executionId);
      return undefined;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof StoppedError) {
        await this.store.updateTask(taskId, { status: 'Stopped', ended: true, logLine: message });
        await this.settle(policy, task.executionId);
        return undefined;
      }
      const permanent =
        err instanceof PermanentCopyError ||
        (err instanceof UpstreamError && (err.failure === 'unauthorized' || err.failure === 'refused'));
      if (permanent || attempt >= this.o.taskAttempts) {
        await this.store.updateTask(taskId, { status: 'Failed', ended: true, logLine: `failed: ${message}` });
        this.o.metrics?.tasks.inc({ status: 'Failed' });
        await this.settle(policy, task.executionId);
        return undefined;
      }
      const delay = backoff(attempt, this.o.retryBaseMs, this.o.retryMaxMs);
      await this.store.updateTask(taskId, {
        logLine: `attempt ${attempt} failed, retrying in ${Math.round(delay / 1000)} s: ${message}`,
      });
      return { retryAt: new Date(Date.now() + delay), error: message };
    }
  }

  private async perform(policy: PolicyRecord, task: TaskRecord): Promise<void> {
    const { source, destination } = await this.sides(policy);
    const [srcRepository, srcRef] = splitResource(task.srcResource);
    const [dstRepository, dstRef] = splitResource(task.dstResource);
    const store = this.store;
    let checkpoint = task.checkpoint;
    const copier = new ArtifactCopier({
      source,
      destination,
      srcRepository,
      dstRepository,
      override: policy.override,
      chunkBytes: policy.copyByChunk ? this.o.chunkBytes : 0,
      speedKBs: policy.speed,
      checkpoint,
      saveCheckpoint: async (c) => {
        checkpoint = c;
        await store.updateTask(task.id, { checkpoint: c });
      },
      checkStopped: async () => {
        const now = await store.task(task.id);
        if (now?.status === 'Stopped') throw new StoppedError();
      },
      blobHome: (digest) => store.blobHome(destination.key, digest),
      setBlobHome: (digest, repo) => store.setBlobHome(destination.key, digest, repo),
      log: (line) => store.updateTask(task.id, { logLine: line }),
      onBytes: (n) => {
        pendingBytes += n;
        this.o.metrics?.bytes.inc(n);
      },
      onBlob: (outcome) => this.o.metrics?.blobs.inc({ outcome }),
    });
    let pendingBytes = 0;
    const flush = setInterval(() => {
      const n = pendingBytes;
      pendingBytes = 0;
      if (n) store.updateTask(task.id, { addBytes: n }).catch(() => {});
    }, 1_000);
    try {
      if (task.operation === 'deletion') {
        const expected = srcRef.includes(':') ? srcRef : null;
        await copier.delete(dstRef, expected);
      } else {
        if (dstRef !== srcRef) throw new PermanentCopyError('source and destination references differ');
        await copier.copy(srcRef);
      }
    } finally {
      clearInterval(flush);
      if (pendingBytes) await store.updateTask(task.id, { addBytes: pendingBytes });
    }
  }

  /** Label filters: the artifact's labels at the source (a tag is resolved to its digest first). */
  private async labelsAllow(
    policy: PolicyRecord,
    source: SourceSide,
    repository: string,
    reference: string,
  ): Promise<boolean> {
    if (!hasLabelFilter(policy.filters)) return true;
    const digest = reference.includes(':') ? reference : (await source.manifest(repository, reference))?.digest;
    return labelsPass(policy.filters, digest ? await source.labels(repository, digest) : []);
  }

  private async settle(policy: PolicyRecord, executionId: number): Promise<void> {
    const e = await this.store.settleExecution(executionId, null);
    if (e?.status !== 'InProgress' || e.inProgress > 0) return;
    const status = e.stopped > 0 ? 'Stopped' : e.failed > 0 ? 'Failed' : 'Succeed';
    await this.store.settleExecution(executionId, status, e.failed > 0 ? `${e.failed} of ${e.total} tasks failed` : '');
    this.finished(policy, executionId, status);
  }

  private finished(policy: PolicyRecord, executionId: number, status: string): void {
    this.o.onExecutionDone?.(policy, executionId, status);
  }

  // ------------------------------------------------------------ triggers

  /** Event-based policies: a push (or, with replicate_deletion, a delete) becomes an execution with one task. */
  async onEvent(event: RegistryEvent): Promise<void> {
    if (event.type !== 'manifest.pushed' && event.type !== 'manifest.deleted' && event.type !== 'tag.deleted') return;
    // Replication's own writes are not replicated again by this node's policies (no ping-pong).
    if (event.actor === 'replication') return;
    if (event.type === 'manifest.pushed' && !event.tag) return;
    const policies = (await this.store.policies()).filter(
      (p) => p.enabled && p.trigger.type === 'event_based' && p.srcRegistryId === null,
    );
    for (const policy of policies) {
      const tag = event.type === 'manifest.deleted' ? null : event.tag;
      if (!selects(policy.filters, event.repository, tag)) continue;
      if (event.type !== 'manifest.pushed' && !policy.replicateDeletion) continue;
      if (!(await this.labelsAllow(policy, this.o.local, event.repository, event.digest))) continue;
      const dst = destinationRepository(event.repository, policy.destNamespace, policy.destNamespaceReplaceCount);
      const task: NewTask =
        event.type === 'manifest.pushed'
          ? {
              operation: 'copy',
              resourceType: 'image',
              srcResource: `${event.repository}:${event.tag}`,
              dstResource: `${dst}:${event.tag}`,
            }
          : event.type === 'tag.deleted'
            ? {
                operation: 'deletion',
                resourceType: 'image',
                srcResource: `${event.repository}@${event.digest}`,
                dstResource: `${dst}:${event.tag}`,
              }
            : {
                operation: 'deletion',
                resourceType: 'image',
                srcResource: `${event.repository}@${event.digest}`,
                dstResource: `${dst}@${event.digest}`,
              };
      await this.o.service.startWithTasks(policy.id, 'event_based', [task]);
    }
  }

  /** Starts the scheduled policies whose cron matches `at` (whole seconds), once across nodes. */
  async tickSchedule(at: Date): Promise<void> {
    const second = new Date(Math.floor(at.getTime() / 1000) * 1000);
    const stamp = second.toISOString();
    for (const policy of await this.store.policies()) {
      if (!policy.enabled || policy.trigger.type !== 'scheduled') continue;
      let due = false;
      try {
        due = parseCron(policy.trigger.cron).matches(second);
      } catch {
        continue;
      }
      if (due && (await this.store.claimSchedule(policy.id, stamp))) await this.o.service.start(policy.id, 'scheduled');
    }
  }
}

/** `repo:tag`, `repo@sha256:…` → [repo, reference]. */
export function splitResource(resource: string): [string, string] {
  const at = resource.indexOf('@');
  if (at !== -1) return [resource.slice(0, at), resource.slice(at + 1)];
  const colon = resource.lastIndexOf(':');
  return [resource.slice(0, colon), resource.slice(colon + 1)];
}
