/**
 * Tag retention executions: one repository at a time, each a task whose log
 * names every artifact kept or removed and why. Removal goes through the
 * registry's manifest delete (guards, events: tag history records
 * "retention", webhooks fire, quota usage follows); an artifact with an
 * immutable tag is never removed. One running execution per policy (409).
 */
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
} from './ports.ts';
import { decide, inScope } from './retention-rules.ts';

export const RETENTION_SCHEDULE_PREFIX = 'retention:';
export const RETENTION_ACTOR = 'retention';

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
  private readonly running = new Set<Promise<unknown>>();
  /** Told when an execution ends (set by the server once webhooks exist; they are made after this feature). */
  onFinished?: (finished: RetentionFinished) => void;

  constructor(private readonly o: RetentionServiceOptions) {}

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

  /** Starts an execution in the background; RetentionBusyError while one of the policy runs. */
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
    const done = this.execute(policy, execution, progress).catch(async (err) => {
      this.o.onError?.(err);
      await this.o.store.finishExecution(execution.id, 'Error');
    });
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
    return { execution, done };
  }

  async stop(executionId: number): Promise<void> {
    await this.o.store.finishExecution(executionId, 'Stopped');
  }

  /** Resolves once every execution started here has ended. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
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
    progress?: (p: RetentionProgress) => void,
  ): Promise<void> {
    const { store } = this.o;
    const rules = row.policy.rules;
    const project = row.projectName;
    const repositories = (await store.repositories(project)).filter((repository) => {
      const name = repository === project ? repository : repository.slice(project.length + 1);
      return rules.some((r) => inScope(r, name));
    });
    const tally = { removed: 0, retained: 0 };
    for (const [i, repository] of repositories.entries()) {
      if ((await store.execution(execution.id))?.status !== 'Running') {
        this.o.metrics?.run('Stopped', execution.dryRun);
        this.finished(row, execution, 'Stopped', tally);
        return;
      }
      const taskId = await store.addTask(execution.id, repository);
      const t = await this.repository(row, repository, execution.dryRun);
      await store.finishTask(taskId, 'Success', t.total, t.retained, t.log);
      tally.removed += t.total - t.retained;
      tally.retained += t.retained;
      progress?.({ repository, done: i + 1, total: repositories.length, ...tally });
    }
    await store.finishExecution(execution.id, 'Success');
    this.o.metrics?.run('Success', execution.dryRun);
    this.finished(row, execution, 'Success', tally);
  }

  private finished(
    row: RetentionPolicyRow,
    execution: RetentionExecution,
    status: RetentionFinished['status'],
    tally: { removed: number; retained: number },
  ): void {
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

  private async repository(
    row: RetentionPolicyRow,
    repository: string,
    dryRun: boolean,
  ): Promise<{ total: number; retained: number; log: string }> {
    const name = repository === row.projectName ? repository : repository.slice(row.projectName.length + 1);
    const candidates = await this.o.store.candidates(repository);
    const labels = this.o.labels
      ? await this.o.labels(
          repository,
          candidates.map((c) => c.digest),
        )
      : undefined;
    const decision = decide(row.policy.rules, name, candidates, new Date(), labels);
    const lines = [`${'action'.padEnd(14)} digest tags reason`];
    let retained = 0;
    const line = (action: string, c: Candidate, why: string) =>
      lines.push(`${action.padEnd(14)} ${c.digest} ${c.tags.length > 0 ? c.tags.join(',') : '<untagged>'} ${why}`);
    for (const c of candidates) {
      const reasons = decision.get(c.digest) ?? [];
      if (reasons.length > 0) {
        retained++;
        line('retained', c, `(${reasons.join('; ')})`);
        continue;
      }
      const rule = await this.protecting(repository, c.tags);
      if (rule !== null) {
        retained++;
        line('retained', c, `(immutable: ${rule})`);
        continue;
      }
      if (dryRun) {
        line('would remove', c, '(no rule retains it)');
        continue;
      }
      try {
        this.o.history.markRetention(repository, c.digest);
        await this.o.registry.deleteManifest(repository, c.digest, { actor: RETENTION_ACTOR });
        this.o.metrics?.removed(1);
        line('removed', c, '(no rule retains it)');
      } catch (err) {
        this.o.history.unmarkRetention(repository, c.digest);
        retained++;
        line('retained', c, `(removal refused: ${(err as Error).message})`);
      }
    }
    return { total: candidates.length, retained, log: `${lines.join('\n')}\n` };
  }

  private async protecting(repository: string, tags: string[]): Promise<string | null> {
    for (const tag of tags) {
      const rule = await this.o.immutable.protectingRule(repository, tag);
      if (rule) return `tag ${tag} matches immutable tag rule ${rule.id}`;
    }
    return null;
  }
}
