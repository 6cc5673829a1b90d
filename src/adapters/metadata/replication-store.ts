/** ReplicationStore over Kysely (SQLite and PostgreSQL, migration 0251_replication). */
import { type Kysely, sql } from 'kysely';
import type {
  ExecutionRecord,
  ExecutionStatus,
  Filter,
  NewPolicy,
  NewTask,
  PolicyRecord,
  ReplicationStore,
  TaskRecord,
  TaskUpdate,
  TriggerType,
} from '../../features/replication/store.ts';

interface Tables {
  replication_policies: {
    id: number;
    name: string;
    description: string;
    src_registry_id: number | null;
    dest_registry_id: number | null;
    dest_namespace: string;
    dest_namespace_replace_count: number;
    filters: string;
    trigger_type: string;
    trigger_cron: string;
    replicate_deletion: number;
    override: number;
    enabled: number;
    speed: number;
    copy_by_chunk: number;
    created_at: string;
    updated_at: string;
  };
  replication_executions: {
    id: number;
    policy_id: number;
    status: string;
    status_text: string;
    trigger: string;
    total: number;
    failed: number;
    succeed: number;
    in_progress: number;
    stopped: number;
    bytes: number;
    start_time: string;
    end_time: string | null;
  };
  replication_tasks: {
    id: number;
    execution_id: number;
    status: string;
    operation: string;
    resource_type: string;
    src_resource: string;
    dst_resource: string;
    attempts: number;
    bytes: number;
    checkpoint: string | null;
    log: string;
    start_time: string | null;
    end_time: string | null;
  };
  replication_blob_homes: { registry_key: string; digest: string; repository: string };
  replication_schedule: { policy_id: number; last_second: string };
}

const now = () => new Date().toISOString();
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

const toPolicy = (r: Tables['replication_policies']): PolicyRecord => ({
  id: Number(r.id),
  name: r.name,
  description: r.description,
  srcRegistryId: num(r.src_registry_id),
  destRegistryId: num(r.dest_registry_id),
  destNamespace: r.dest_namespace,
  destNamespaceReplaceCount: Number(r.dest_namespace_replace_count),
  filters: JSON.parse(r.filters) as Filter[],
  trigger: { type: r.trigger_type as TriggerType, cron: r.trigger_cron },
  replicateDeletion: Number(r.replicate_deletion) === 1,
  override: Number(r.override) === 1,
  enabled: Number(r.enabled) === 1,
  speed: Number(r.speed),
  copyByChunk: Number(r.copy_by_chunk) === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toExecution = (r: Tables['replication_executions']): ExecutionRecord => ({
  id: Number(r.id),
  policyId: Number(r.policy_id),
  status: r.status as ExecutionStatus,
  statusText: r.status_text,
  trigger: r.trigger as TriggerType,
  total: Number(r.total),
  failed: Number(r.failed),
  succeed: Number(r.succeed),
  inProgress: Number(r.in_progress),
  stopped: Number(r.stopped),
  bytes: Number(r.bytes),
  startTime: r.start_time,
  endTime: r.end_time,
});

const toTask = (r: Tables['replication_tasks']): TaskRecord => ({
  id: Number(r.id),
  executionId: Number(r.execution_id),
  status: r.status as TaskRecord['status'],
  operation: r.operation as TaskRecord['operation'],
  resourceType: r.resource_type,
  srcResource: r.src_resource,
  dstResource: r.dst_resource,
  attempts: Number(r.attempts),
  bytes: Number(r.bytes),
  checkpoint: r.checkpoint ? JSON.parse(r.checkpoint) : null,
  log: r.log,
  startTime: r.start_time,
  endTime: r.end_time,
});

const policyColumns = (p: NewPolicy) => ({
  name: p.name,
  description: p.description,
  src_registry_id: p.srcRegistryId,
  dest_registry_id: p.destRegistryId,
  dest_namespace: p.destNamespace,
  dest_namespace_replace_count: p.destNamespaceReplaceCount,
  filters: JSON.stringify(p.filters),
  trigger_type: p.trigger.type,
  trigger_cron: p.trigger.cron,
  replicate_deletion: p.replicateDeletion ? 1 : 0,
  override: p.override ? 1 : 0,
  enabled: p.enabled ? 1 : 0,
  speed: p.speed,
  copy_by_chunk: p.copyByChunk ? 1 : 0,
});

export class KyselyReplicationStore implements ReplicationStore {
  constructor(private readonly db: Kysely<Tables>) {}

  static over<DB>(db: Kysely<DB>): KyselyReplicationStore {
    return new KyselyReplicationStore(db as unknown as Kysely<Tables>);
  }

  async createPolicy(p: NewPolicy): Promise<number> {
    const at = now();
    const row = await this.db
      .insertInto('replication_policies')
      .values({ ...policyColumns(p), created_at: at, updated_at: at } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async updatePolicy(id: number, p: NewPolicy): Promise<void> {
    await this.db
      .updateTable('replication_policies')
      .set({ ...policyColumns(p), updated_at: now() })
      .where('id', '=', id)
      .execute();
  }

  async deletePolicy(id: number): Promise<void> {
    await this.db.deleteFrom('replication_schedule').where('policy_id', '=', id).execute();
    await this.db.deleteFrom('replication_policies').where('id', '=', id).execute();
  }

  async policy(id: number): Promise<PolicyRecord | null> {
    const r = await this.db.selectFrom('replication_policies').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toPolicy(r) : null;
  }

  async policyByName(name: string): Promise<PolicyRecord | null> {
    const r = await this.db.selectFrom('replication_policies').selectAll().where('name', '=', name).executeTakeFirst();
    return r ? toPolicy(r) : null;
  }

  async policies(filter: { name?: string } = {}): Promise<PolicyRecord[]> {
    let q = this.db.selectFrom('replication_policies').selectAll().orderBy('id');
    if (filter.name) q = q.where('name', 'like', `%${filter.name.replace(/[%_]/g, '')}%`);
    return (await q.execute()).map(toPolicy);
  }

  async createExecution(policyId: number, trigger: TriggerType): Promise<number> {
    const row = await this.db
      .insertInto('replication_executions')
      .values({
        policy_id: policyId,
        status: 'InProgress',
        status_text: '',
        trigger,
        total: 0,
        failed: 0,
        succeed: 0,
        in_progress: 0,
        stopped: 0,
        bytes: 0,
        start_time: now(),
        end_time: null,
      } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async execution(id: number): Promise<ExecutionRecord | null> {
    const r = await this.db.selectFrom('replication_executions').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toExecution(r) : null;
  }

  async executions(
    filter: { policyId?: number; status?: string; trigger?: string },
    slice: { offset: number; limit: number },
  ): Promise<{ total: number; items: ExecutionRecord[] }> {
    let q = this.db.selectFrom('replication_executions');
    if (filter.policyId !== undefined) q = q.where('policy_id', '=', filter.policyId);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.trigger) q = q.where('trigger', '=', filter.trigger);
    const count = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.selectAll().orderBy('id', 'desc').limit(slice.limit).offset(slice.offset).execute();
    return { total: Number(count.n), items: rows.map(toExecution) };
  }

  async settleExecution(
    id: number,
    status: ExecutionStatus | null,
    statusText?: string,
  ): Promise<ExecutionRecord | null> {
    const rows = await this.db
      .selectFrom('replication_tasks')
      .select(['status', 'bytes'])
      .where('execution_id', '=', id)
      .execute();
    const count = (s: string[]) => rows.filter((r) => s.includes(r.status)).length;
    const bytes = rows.reduce((n, r) => n + Number(r.bytes), 0);
    const final = status !== null && status !== 'InProgress';
    await this.db
      .updateTable('replication_executions')
      .set({
        total: rows.length,
        failed: count(['Failed']),
        succeed: count(['Succeed']),
        in_progress: count(['Pending', 'InProgress']),
        stopped: count(['Stopped']),
        bytes,
        ...(status ? { status } : {}),
        ...(statusText !== undefined ? { status_text: statusText } : {}),
        ...(final ? { end_time: now() } : {}),
      })
      .where('id', '=', id)
      .execute();
    return this.execution(id);
  }

  async hasActiveExecution(policyId: number): Promise<boolean> {
    const r = await this.db
      .selectFrom('replication_executions')
      .select('id')
      .where('policy_id', '=', policyId)
      .where('status', '=', 'InProgress')
      .executeTakeFirst();
    return !!r;
  }

  async addTasks(executionId: number, tasks: NewTask[]): Promise<number[]> {
    const ids: number[] = [];
    for (const t of tasks) {
      const row = await this.db
        .insertInto('replication_tasks')
        .values({
          execution_id: executionId,
          status: 'Pending',
          operation: t.operation,
          resource_type: t.resourceType,
          src_resource: t.srcResource,
          dst_resource: t.dstResource,
          attempts: 0,
          bytes: 0,
          checkpoint: null,
          log: '',
          start_time: null,
          end_time: null,
        } as never)
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(Number(row.id));
    }
    return ids;
  }

  async task(id: number): Promise<TaskRecord | null> {
    const r = await this.db.selectFrom('replication_tasks').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toTask(r) : null;
  }

  async tasks(
    executionId: number,
    filter: { status?: string; resourceType?: string },
    slice: { offset: number; limit: number },
  ): Promise<{ total: number; items: TaskRecord[] }> {
    let q = this.db.selectFrom('replication_tasks').where('execution_id', '=', executionId);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.resourceType) q = q.where('resource_type', '=', filter.resourceType);
    const count = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.selectAll().orderBy('id').limit(slice.limit).offset(slice.offset).execute();
    return { total: Number(count.n), items: rows.map(toTask) };
  }

  async updateTask(id: number, u: TaskUpdate): Promise<void> {
    const at = now();
    const set: Record<string, unknown> = {};
    if (u.status) set.status = u.status;
    if (u.attempts !== undefined) set.attempts = u.attempts;
    if (u.addBytes) set.bytes = sql`${sql.ref('bytes')} + ${u.addBytes}`;
    if (u.checkpoint !== undefined) set.checkpoint = u.checkpoint ? JSON.stringify(u.checkpoint) : null;
    if (u.logLine) set.log = sql`${sql.ref('log')} || ${`${at} ${u.logLine}\n`}`;
    if (u.started) set.start_time = sql`coalesce(${sql.ref('start_time')}, ${at})`;
    if (u.ended) set.end_time = at;
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable('replication_tasks').set(set).where('id', '=', id).execute();
  }

  async stopTasks(executionId: number): Promise<void> {
    await this.db
      .updateTable('replication_tasks')
      .set({ status: 'Stopped', end_time: now() })
      .where('execution_id', '=', executionId)
      .where('status', 'in', ['Pending', 'InProgress'])
      .execute();
  }

  async blobHome(registryKey: string, digest: string): Promise<string | null> {
    const r = await this.db
      .selectFrom('replication_blob_homes')
      .select('repository')
      .where('registry_key', '=', registryKey)
      .where('digest', '=', digest)
      .executeTakeFirst();
    return r?.repository ?? null;
  }

  async setBlobHome(registryKey: string, digest: string, repository: string): Promise<void> {
    await this.db
      .insertInto('replication_blob_homes')
      .values({ registry_key: registryKey, digest, repository })
      .onConflict((oc) => oc.columns(['registry_key', 'digest']).doUpdateSet({ repository }))
      .execute();
  }

  async claimSchedule(policyId: number, second: string): Promise<boolean> {
    const updated = await this.db
      .updateTable('replication_schedule')
      .set({ last_second: second })
      .where('policy_id', '=', policyId)
      .where('last_second', '<', second)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return true;
    const inserted = await this.db
      .insertInto('replication_schedule')
      .values({ policy_id: policyId, last_second: second })
      .onConflict((oc) => oc.column('policy_id').doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
  }
}
