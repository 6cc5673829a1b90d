/**
 * Replication policies and executions (Harbor's model). Starting an
 * execution records it and queues a job that lists what the policy selects
 * and queues one task per artifact; tasks are jobs too, so a restart of
 * Berth or a target that is down only delays them.
 */
import type { JobQueue } from '../../core/jobs.ts';
import type { RegistriesService } from '../registries/service.ts';
import {
  ReplicationBusyError,
  ReplicationConflictError,
  ReplicationInputError,
  ReplicationNotFoundError,
} from './errors.ts';
import { checkPolicy, type PolicyInput } from './policy-input.ts';
import type { ExecutionRecord, NewTask, PolicyRecord, ReplicationStore, TaskRecord, TriggerType } from './store.ts';

export const EXECUTION_JOB = 'replication.execution';
export const TASK_JOB = 'replication.task';

export interface ReplicationServiceOptions {
  store: ReplicationStore;
  jobs: JobQueue;
  registries: RegistriesService;
  /** Attempts per task, the first included (event-based work keeps trying while a target is down). */
  taskAttempts: number;
  onQueued?: () => void;
}

export class ReplicationService {
  constructor(private readonly o: ReplicationServiceOptions) {}

  get store(): ReplicationStore {
    return this.o.store;
  }

  policies(filter: { name?: string } = {}): Promise<PolicyRecord[]> {
    return this.o.store.policies(filter);
  }

  async policy(id: number): Promise<PolicyRecord> {
    const p = await this.o.store.policy(id);
    if (!p) throw new ReplicationNotFoundError(`replication policy ${id} not found`);
    return p;
  }

  async create(input: PolicyInput): Promise<number> {
    const p = checkPolicy(input);
    await this.checkRegistries(p.srcRegistryId, p.destRegistryId);
    if (await this.o.store.policyByName(p.name))
      throw new ReplicationConflictError(`a replication policy named ${p.name} already exists`);
    return this.o.store.createPolicy(p);
  }

  async update(id: number, input: PolicyInput): Promise<void> {
    await this.policy(id);
    const p = checkPolicy(input);
    await this.checkRegistries(p.srcRegistryId, p.destRegistryId);
    const clash = await this.o.store.policyByName(p.name);
    if (clash && clash.id !== id)
      throw new ReplicationConflictError(`a replication policy named ${p.name} already exists`);
    await this.o.store.updatePolicy(id, p);
  }

  async remove(id: number): Promise<void> {
    await this.policy(id);
    if (await this.o.store.hasActiveExecution(id))
      throw new ReplicationBusyError(`replication policy ${id} has a running execution; stop it first`);
    await this.o.store.deletePolicy(id);
  }

  /** Starts an execution of a policy (manual, scheduled, or from the console's retry). */
  async start(policyId: number, trigger: TriggerType = 'manual'): Promise<number> {
    const policy = await this.o.store.policy(policyId);
    if (!policy) throw new ReplicationInputError('policy_id', `replication policy ${policyId} not found`);
    if (!policy.enabled) throw new ReplicationInputError('policy_id', `replication policy ${policy.name} is disabled`);
    const id = await this.o.store.createExecution(policyId, trigger);
    await this.o.jobs.enqueue(EXECUTION_JOB, { executionId: id }, { maxAttempts: 5 });
    this.o.onQueued?.();
    return id;
  }

  /** Records an execution with its tasks at once (event-based work) and queues the tasks. */
  async startWithTasks(policyId: number, trigger: TriggerType, tasks: NewTask[]): Promise<number> {
    const id = await this.o.store.createExecution(policyId, trigger);
    await this.queueTasks(id, tasks);
    return id;
  }

  async queueTasks(executionId: number, tasks: NewTask[]): Promise<void> {
    const ids = await this.o.store.addTasks(executionId, tasks);
    for (const taskId of ids) await this.o.jobs.enqueue(TASK_JOB, { taskId }, { maxAttempts: this.o.taskAttempts });
    await this.o.store.settleExecution(executionId, ids.length === 0 ? 'Succeed' : null);
    this.o.onQueued?.();
  }

  async execution(id: number): Promise<ExecutionRecord> {
    const e = await this.o.store.execution(id);
    if (!e) throw new ReplicationNotFoundError(`replication execution ${id} not found`);
    return e;
  }

  executions(
    filter: { policyId?: number; status?: string; trigger?: string },
    slice: { offset: number; limit: number },
  ) {
    return this.o.store.executions(filter, slice);
  }

  /** Stops an execution: tasks not finished are marked Stopped; running copies stop at their next chunk or blob. */
  async stop(id: number): Promise<void> {
    const e = await this.execution(id);
    if (e.status !== 'InProgress') return;
    await this.o.store.stopTasks(id);
    await this.o.store.settleExecution(id, 'Stopped', 'stopped by request');
  }

  /**
   * Retries what an ended execution did not finish: a new execution of the
   * same policy with copies of its failed and stopped tasks (the history of
   * the first stays as it was). Blobs already at the target are not sent again.
   */
  async retry(executionId: number): Promise<number> {
    const e = await this.execution(executionId);
    if (e.status === 'InProgress')
      throw new ReplicationBusyError(`replication execution ${executionId} is still running; stop it first`);
    const policy = await this.policy(e.policyId);
    if (!policy.enabled) throw new ReplicationInputError('policy_id', `replication policy ${policy.name} is disabled`);
    const unfinished: NewTask[] = [];
    for (const status of ['Failed', 'Stopped']) {
      for (let offset = 0; ; offset += 100) {
        const { items } = await this.o.store.tasks(executionId, { status }, { offset, limit: 100 });
        unfinished.push(
          ...items.map((t) => ({
            operation: t.operation,
            resourceType: t.resourceType,
            srcResource: t.srcResource,
            dstResource: t.dstResource,
          })),
        );
        if (items.length < 100) break;
      }
    }
    // An execution that failed before it listed anything: run the policy again.
    if (unfinished.length === 0) return this.start(policy.id, 'manual');
    return this.startWithTasks(policy.id, 'manual', unfinished);
  }

  async tasks(
    executionId: number,
    filter: { status?: string; resourceType?: string },
    slice: { offset: number; limit: number },
  ) {
    await this.execution(executionId);
    return this.o.store.tasks(executionId, filter, slice);
  }

  async task(executionId: number, taskId: number): Promise<TaskRecord> {
    const t = await this.o.store.task(taskId);
    if (!t || t.executionId !== executionId) throw new ReplicationNotFoundError(`task ${taskId} not found`);
    return t;
  }

  private async checkRegistries(src: number | null, dest: number | null): Promise<void> {
    for (const [field, id] of [
      ['src_registry', src],
      ['dest_registry', dest],
    ] as const) {
      if (id === null) continue;
      try {
        await this.o.registries.get(id);
      } catch {
        throw new ReplicationInputError(`${field}.id`, `registry ${id} does not exist`);
      }
    }
  }
}
