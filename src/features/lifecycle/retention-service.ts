/**
 * Tag retention executions: one repository at a time, each a task whose log
 * names every artifact kept or removed and why. Removal goes through the
 * registry's manifest delete (guards, events: tag history records
 * "retention", webhooks fire, quota usage follows); an artifact with an
 * immutable tag is never removed. One running execution per policy (409).
 *
 * An execution is a job of the metadata store, leased by the node running it
 * and extended as it goes: one whose node died (killed, crashed) is claimed
 * again once its lease runs out, by a restarted or another node, and resumed
 * where it stopped. Every decision is written as it is made (the task's log
 * line and counts in one statement), and the artifact being removed is noted
 * before its removal, so a resumed task skips what it already logged, logs a
 * noted artifact that is gone as removed (never attempting it twice) and
 * decides the rest afresh. A manifest and its tags go in one transaction, so
 * no crash point leaves a tag naming a missing manifest.
 */
import type { Job, JobQueue } from '../../core/jobs.ts';
import type { Registry } from '../../core/registry.ts';
import { CronError, cronMatches, parseCron } from './cron.ts';
import type { TagHistory } from './history.ts';
import type { ImmutableTags } from './immutable.ts';
import type {
  Candidate,
  GcStore,
  RetentionExecution,
  RetentionPolicy,
  RetentionPolicyRow,
  RetentionStore,
  RetentionTask,
} from './ports.ts';
import { decide, inScope } from './retention-rules.ts';

export const RETENTION_SCHEDULE_PREFIX = 'retention:';
export const RETENTION_ACTOR = 'retention';
export const RETENTION_JOB = 'retention';
const LOG_HEADER = `${'action'.padEnd(14)} digest tags reason\n`;
const LOG_ACTION_WIDTH = 14;

/** The lease was lost (it ran out while this node stalled): another node owns the execution now. */
class LeaseLost extends Error {}

export class RetentionBusyError extends Error {}
export class RetentionExistsError extends Error {}

export interface RetentionMetricsSink {
  run(status: string, dryRun: boolean): void;
  removed(n: number): void;
}

export interface RetentionProgress {
  repository: string;
  done: number;
  total: number;
  removed: number;
  retained: number;
}

export interface RetentionServiceOptions {
  store: RetentionStore;
  registry: Registry;
  immutable: ImmutableTags;
  history: TagHistory;
  schedules: GcStore;
  jobs: JobQueue;
  /** This node's name for job leases. */
  owner: string;
  /** How long a claimed execution stays this node's without an extension; default 60 s. */
  leaseMs?: number;
  /** Labels (names) of a repository's artifacts, by digest; absent: label selectors match nothing. */
  labels?: (repository: string, digests: string[]) => Promise<Map<string, string[]>>;
  metrics?: RetentionMetricsSink;
  onError?: (err: unknown) => void;
}

/** What an ended execution did, for the TAG_RETENTION webhook. */
export interface RetentionFinished {
  project: string;
  policyId: number;
  executionId: number;
  dryRun: boolean;
  status: 'Success' | 'Stopped';
  total: number;
  retained: number;
  removed: number;
}

export class RetentionService {
  /** The local claim loop, while it runs. */
  private draining: Promise<void> | null = null;
  private lookAgain = false;
  /** Progress listeners and end waiters of executions started here, by execution id. */
  private readonly watchers = new Map<number, { progress?: (p: RetentionProgress) => void; ended: () => void }>();
  /** Told when an execution ends (set by the server once webhooks exist; they are made after this feature). */
  onFinished?: (finished: RetentionFinished) => void;

  constructor(private readonly o: RetentionServiceOptions) {}

  private get leaseMs(): number {
    return this.o.leaseMs ?? 60_000;
  }

  get store(): RetentionStore {
    return this.o.store;
  }

  async create(projectId: number, projectName: string, policy: RetentionPolicy): Promise<RetentionPolicyRow> {
    const row = await this.o.store.createPolicy(projectId, projectName, policy);
    if (!row) throw new RetentionExistsError(`project ${projectName} already has a retention policy`);
    await this.schedule(row.id, policy);
    return row;
  }

  async update(id: number, policy: RetentionPolicy): Promise<void> {
    await this.o.store.updatePolicy(id, policy);
    await this.schedule(id, policy);
  }

  async remove(id: number): Promise<void> {
    await this.o.schedules.deleteSchedule(`${RETENTION_SCHEDULE_PREFIX}${id}`);
    await this.o.store.deletePolicy(id);
  }

  private async schedule(id: number, policy: RetentionPolicy): Promise<void> {
    const name = `${RETENTION_SCHEDULE_PREFIX}${id}`;
    const cron = policy.trigger.settings.cron;
    if (cron === '') await this.o.schedules.deleteSchedule(name);
    else await this.o.schedules.setSchedule(name, 'Custom', cron, { policyId: id });
  }

  /**
   * Queues an execution and runs it here (unless another node claims it
   * first); RetentionBusyError while one of the policy runs. `done` resolves
   * when the execution has ended, wherever it ran.
   */
  async start(
    policyId: number,
    trigger: RetentionExecution['trigger'],
    dryRun: boolean,
    progress?: (p: RetentionProgress) => void,
  ): Promise<{ execution: RetentionExecution; done: Promise<void> }> {
    const policy = await this.o.store.policy(policyId);
    if (!policy) throw new Error(`retention policy ${policyId} not found`);
    const execution = await this.o.store.createExecution(policyId, trigger, dryRun);
    if (!execution) throw new RetentionBusyError(`an execution of retention policy ${policyId} is running`);
    const ended = new Promise<void>((resolve) => this.watchers.set(execution.id, { progress, ended: resolve }));
    await this.o.jobs.enqueue(RETENTION_JOB, { executionId: execution.id }, { maxAttempts: 1000 });
    const drained = this.drain();
    // Another node may have claimed it: then wait for its end in the store.
    const done = Promise.race([ended, drained.then(() => this.endOf(execution.id))]).finally(() =>
      this.watchers.delete(execution.id),
    );
    return { execution, done };
  }

  private async endOf(executionId: number): Promise<void> {
    while ((await this.o.store.execution(executionId))?.status === 'Running')
      await new Promise((r) => setTimeout(r, 500).unref());
  }

  /**
   * Claims and runs due executions until none is left: queued ones, and those
   * whose node died (lease run out), which are resumed. One loop per process.
   */
  drain(): Promise<void> {
    // A job queued while the loop looks for one could be missed by that look: the loop then looks again.
    this.lookAgain = true;
    this.draining ??= (async () => {
      try {
        for (;;) {
          this.lookAgain = false;
          const job = await this.o.jobs.claim(this.o.owner, [RETENTION_JOB], this.leaseMs);
          if (job) await this.runJob(job);
          else if (!this.lookAgain) return;
        }
      } finally {
        this.draining = null;
      }
    })();
    return this.draining;
  }

  private async runJob(job: Job): Promise<void> {
    const { executionId } = job.payload as { executionId: number };
    const execution = await this.o.store.execution(executionId);
    const policy = execution ? await this.o.store.policy(execution.policyId) : null;
    if (!execution || !policy || execution.status !== 'Running') {
      if (execution?.status === 'Running') await this.o.store.finishExecution(execution.id, 'Error');
      await this.o.jobs.complete(job.id, this.o.owner);
      this.watchers.get(executionId)?.ended();
      return;
    }
    let lastExtended = Date.now();
    const heartbeat = async () => {
      if (Date.now() - lastExtended < this.leaseMs / 4) return;
      if (!(await this.o.jobs.extend(job.id, this.o.owner, this.leaseMs))) throw new LeaseLost();
      lastExtended = Date.now();
    };
    try {
      await this.execute(policy, execution, job.attempts > 1, heartbeat);
    } catch (err) {
      if (err instanceof LeaseLost) return; // its new owner finishes it
      this.o.onError?.(err);
      await this.o.store.finishExecution(execution.id, 'Error');
    }
    await this.o.jobs.complete(job.id, this.o.owner);
    this.watchers.get(executionId)?.ended();
  }

  async stop(executionId: number): Promise<void> {
    await this.o.store.finishExecution(executionId, 'Stopped');
  }

  /** Resolves once the local claim loop has stopped (every execution it took has ended or was left to a lease). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Fires the policies whose cron matches `now`'s minute (once across nodes). */
  async tick(now: Date, minute: string): Promise<void> {
    for (const s of await this.o.schedules.schedules()) {
      if (!s.name.startsWith(RETENTION_SCHEDULE_PREFIX)) continue;
      try {
        if (!cronMatches(parseCron(s.cron), now)) continue;
      } catch (err) {
        if (err instanceof CronError) continue; // validated when set
        throw err;
      }
      if (!(await this.o.schedules.claimFiring(s.name, minute))) continue;
      const id = Number(s.name.slice(RETENTION_SCHEDULE_PREFIX.length));
      await this.start(id, 'Schedule', false).catch((err) => {
        if (!(err instanceof RetentionBusyError)) throw err;
      });
    }
  }

  private async execute(
    row: RetentionPolicyRow,
    execution: RetentionExecution,
    resumed: boolean,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const { store } = this.o;
    const rules = row.policy.rules;
    const project = row.projectName;
    const repositories = (await store.repositories(project)).filter((repository) => {
      const name = repository === project ? repository : repository.slice(project.length + 1);
      return rules.some((r) => inScope(r, name));
    });
    // A resumed execution keeps the tasks it has: finished ones are skipped, an unfinished one goes on.
    const tasks = resumed ? await this.allTasks(execution.id) : [];
    const progress = this.watchers.get(execution.id)?.progress;
    for (const [i, repository] of repositories.entries()) {
      if ((await store.execution(execution.id))?.status !== 'Running') {
        this.o.metrics?.run('Stopped', execution.dryRun);
        this.finished(row, execution, 'Stopped', await this.allTasks(execution.id));
        return;
      }
      await heartbeat();
      const task = tasks.find((t) => t.repository === repository);
      if (task?.status !== 'Success') {
        const taskId = task?.id ?? (await store.addTask(execution.id, repository, LOG_HEADER));
        await this.repository(row, repository, execution.dryRun, taskId, task ?? null, heartbeat);
        await store.finishTask(taskId, 'Success');
      }
      const tally = this.tally(await this.allTasks(execution.id));
      progress?.({ repository, done: i + 1, total: repositories.length, ...tally });
    }
    await store.finishExecution(execution.id, 'Success');
    this.o.metrics?.run('Success', execution.dryRun);
    this.finished(row, execution, 'Success', await this.allTasks(execution.id));
  }

  private async allTasks(executionId: number): Promise<RetentionTask[]> {
    return (await this.o.store.tasks(executionId, 0, 1_000_000)).items;
  }

  private tally(tasks: RetentionTask[]): { removed: number; retained: number } {
    let removed = 0;
    let retained = 0;
    for (const t of tasks) {
      removed += t.total - t.retained;
      retained += t.retained;
    }
    return { removed, retained };
  }

  private finished(
    row: RetentionPolicyRow,
    execution: RetentionExecution,
    status: RetentionFinished['status'],
    tasks: RetentionTask[],
  ): void {
    const tally = this.tally(tasks);
    this.onFinished?.({
      project: row.projectName,
      policyId: row.id,
      executionId: execution.id,
      dryRun: execution.dryRun,
      status,
      total: tally.removed + tally.retained,
      retained: tally.retained,
      removed: tally.removed,
    });
  }

  /**
   * Decides and acts on every artifact of `repository` not yet in the task's
   * log (`resumed`: the task as a crashed run left it), writing each decision
   * as it is made.
   */
  private async repository(
    row: RetentionPolicyRow,
    repository: string,
    dryRun: boolean,
    taskId: number,
    resumed: RetentionTask | null,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const { store } = this.o;
    const name = repository === row.projectName ? repository : repository.slice(row.projectName.length + 1);
    const logged = new Set(resumed ? loggedDigests(resumed.log) : []);
    const candidates = await store.candidates(repository);
    if (resumed?.pending && !logged.has(resumed.pending)) {
      const pending = resumed.pending;
      const still = candidates.find((c) => c.digest === pending);
      // Gone: the crashed run removed it and died before logging it. Still there: decided again below.
      if (!still) {
        await store.taskProgress(
          taskId,
          logLine('removed', { digest: pending, tags: [] }, '(no rule retains it; logged on resume)'),
          false,
        );
        logged.add(pending);
      }
    }
    const labels = this.o.labels
      ? await this.o.labels(
          repository,
          candidates.map((c) => c.digest),
        )
      : undefined;
    // Decided over every artifact still there (those already logged as retained included), so ranks hold.
    const decision = decide(row.policy.rules, name, candidates, new Date(), labels);
    for (const c of candidates) {
      if (logged.has(c.digest)) continue;
      // SQLite answers synchronously: without a turn of the event loop an execution would hold every request until it ends.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await heartbeat();
      const reasons = decision.get(c.digest) ?? [];
      if (reasons.length > 0) {
        await store.taskProgress(taskId, logLine('retained', c, `(${reasons.join('; ')})`), true);
        continue;
      }
      const rule = await this.protecting(repository, c.tags);
      if (rule !== null) {
        await store.taskProgress(taskId, logLine('retained', c, `(immutable: ${rule})`), true);
        continue;
      }
      if (dryRun) {
        // Counted as Harbor counts a dry run: not retained.
        await store.taskProgress(taskId, logLine('would remove', c, '(no rule retains it)'), false);
        continue;
      }
      await store.taskPending(taskId, c.digest);
      try {
        this.o.history.markRetention(repository, c.digest);
        await this.o.registry.deleteManifest(repository, c.digest, { actor: RETENTION_ACTOR });
      } catch (err) {
        this.o.history.unmarkRetention(repository, c.digest);
        await store.taskProgress(taskId, logLine('retained', c, `(removal refused: ${(err as Error).message})`), true);
        continue;
      }
      await store.taskProgress(taskId, logLine('removed', c, '(no rule retains it)'), false);
      this.o.metrics?.removed(1);
    }
  }

  private async protecting(repository: string, tags: string[]): Promise<string | null> {
    for (const tag of tags) {
      const rule = await this.o.immutable.protectingRule(repository, tag);
      if (rule) return `tag ${tag} matches immutable tag rule ${rule.id}`;
    }
    return null;
  }
}

function logLine(action: string, c: Pick<Candidate, 'digest' | 'tags'>, why: string): string {
  return `${action.padEnd(LOG_ACTION_WIDTH)} ${c.digest} ${c.tags.length > 0 ? c.tags.join(',') : '<untagged>'} ${why}\n`;
}

/** The digests a task's log has a line for (after the header). */
function loggedDigests(log: string): string[] {
  return log
    .split('\n')
    .slice(1)
    .filter((l) => l.length > LOG_ACTION_WIDTH)
    .map((l) => l.slice(LOG_ACTION_WIDTH + 1).split(' ')[0]);
}
