/**
 * RetentionStore over Kysely (SQLite and PostgreSQL): policies, executions,
 * tasks, and the candidates of a repository (top-level artifacts with their
 * tags, push and pull times).
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type {
  Candidate,
  RetentionExecution,
  RetentionPolicy,
  RetentionPolicyRow,
  RetentionStore,
  RetentionTask,
  RunStatus,
} from '../../features/lifecycle/ports.ts';

type Row = Record<string, unknown>;
const now = () => new Date().toISOString();
const n = (v: unknown) => Number(v ?? 0);

const toPolicy = (r: Row): RetentionPolicyRow => ({
  id: n(r.id),
  projectId: n(r.project_id),
  projectName: r.project_name as string,
  policy: JSON.parse(r.policy as string) as RetentionPolicy,
  createdAt: r.created_at as string,
  updatedAt: r.updated_at as string,
});

const toExecution = (r: Row): RetentionExecution => ({
  id: n(r.id),
  policyId: n(r.policy_id),
  status: r.status as RunStatus,
  trigger: r.trigger as RetentionExecution['trigger'],
  dryRun: n(r.dry_run) === 1,
  startTime: r.start_time as string,
  endTime: (r.end_time as string | null) ?? null,
});

const toTask = (r: Row): RetentionTask => ({
  id: n(r.id),
  executionId: n(r.execution_id),
  repository: r.repository as string,
  status: r.status as RunStatus,
  total: n(r.total),
  retained: n(r.retained),
  startTime: r.start_time as string,
  endTime: (r.end_time as string | null) ?? null,
  log: r.log as string,
  pending: (r.pending as string | null) ?? null,
});

export class KyselyRetentionStore implements RetentionStore {
  // biome-ignore lint/suspicious/noExplicitAny: the retention tables are typed by their rows here
  constructor(private readonly db: Kysely<any>) {}

  // biome-ignore lint/suspicious/noExplicitAny: any database holding the retention tables
  static over(db: Kysely<any>): KyselyRetentionStore {
    return new KyselyRetentionStore(db);
  }

  // biome-ignore lint/suspicious/noExplicitAny: a transaction or the database
  private async rows(query: RawBuilder<unknown>, db: Kysely<any> = this.db): Promise<Row[]> {
    return (await query.execute(db)).rows as Row[];
  }

  async createPolicy(projectId: number, projectName: string, policy: RetentionPolicy) {
    const at = now();
    const rows =
      await this.rows(sql`INSERT INTO retention_policies (project_id, project_name, policy, created_at, updated_at)
      SELECT ${projectId}, ${projectName}, ${JSON.stringify(policy)}, ${at}, ${at}
      WHERE NOT EXISTS (SELECT 1 FROM retention_policies WHERE project_id = ${projectId})
      RETURNING *`);
    return rows[0] ? toPolicy(rows[0]) : null;
  }

  async policy(id: number) {
    const rows = await this.rows(sql`SELECT * FROM retention_policies WHERE id = ${id}`);
    return rows[0] ? toPolicy(rows[0]) : null;
  }

  async policyOfProject(projectId: number) {
    const rows = await this.rows(sql`SELECT * FROM retention_policies WHERE project_id = ${projectId}`);
    return rows[0] ? toPolicy(rows[0]) : null;
  }

  async policies() {
    return (await this.rows(sql`SELECT * FROM retention_policies ORDER BY id`)).map(toPolicy);
  }

  async updatePolicy(id: number, policy: RetentionPolicy) {
    await sql`UPDATE retention_policies SET policy = ${JSON.stringify(policy)}, updated_at = ${now()} WHERE id = ${id}`.execute(
      this.db,
    );
  }

  async deletePolicy(id: number) {
    return this.db.transaction().execute(async (trx) => {
      await sql`DELETE FROM retention_tasks WHERE execution_id IN
        (SELECT id FROM retention_executions WHERE policy_id = ${id})`.execute(trx);
      await sql`DELETE FROM retention_executions WHERE policy_id = ${id}`.execute(trx);
      const res = await sql`DELETE FROM retention_policies WHERE id = ${id}`.execute(trx);
      return n(res.numAffectedRows) > 0;
    });
  }

  async createExecution(policyId: number, trigger: RetentionExecution['trigger'], dryRun: boolean) {
    return this.db.transaction().execute(async (trx) => {
      // One statement: inserted only when none of the policy runs (atomic on both dialects).
      const rows = await this.rows(
        sql`INSERT INTO retention_executions (policy_id, status, trigger, dry_run, start_time)
          SELECT ${policyId}, 'Running', ${trigger}, ${dryRun ? 1 : 0}, ${now()}
          WHERE NOT EXISTS (SELECT 1 FROM retention_executions WHERE policy_id = ${policyId} AND status = 'Running')
          RETURNING *`,
        trx,
      );
      return rows[0] ? toExecution(rows[0]) : null;
    });
  }

  async execution(id: number) {
    const rows = await this.rows(sql`SELECT * FROM retention_executions WHERE id = ${id}`);
    return rows[0] ? toExecution(rows[0]) : null;
  }

  async executions(policyId: number, offset: number, limit: number) {
    const rows = await this.rows(sql`SELECT * FROM retention_executions WHERE policy_id = ${policyId}
      ORDER BY id DESC LIMIT ${limit} OFFSET ${offset}`);
    const total = await this.rows(sql`SELECT count(*) AS c FROM retention_executions WHERE policy_id = ${policyId}`);
    return { items: rows.map(toExecution), total: n(total[0]?.c) };
  }

  async finishExecution(id: number, status: RunStatus) {
    await sql`UPDATE retention_executions SET status = ${status}, end_time = ${now()}
      WHERE id = ${id} AND status = 'Running'`.execute(this.db);
  }

  async addTask(executionId: number, repository: string, header: string) {
    const rows = await this.rows(sql`INSERT INTO retention_tasks
      (execution_id, repository, status, total, retained, log, start_time)
      VALUES (${executionId}, ${repository}, 'Running', 0, 0, ${header}, ${now()}) RETURNING id`);
    return n(rows[0]?.id);
  }

  async taskPending(id: number, digest: string) {
    await sql`UPDATE retention_tasks SET pending = ${digest} WHERE id = ${id}`.execute(this.db);
  }

  async taskProgress(id: number, line: string, retained: boolean) {
    // One statement: the line, the counts and the cleared pending mark are written together or not at all.
    await sql`UPDATE retention_tasks SET log = log || ${line}, total = total + 1,
      retained = retained + ${retained ? 1 : 0}, pending = NULL WHERE id = ${id}`.execute(this.db);
  }

  async finishTask(id: number, status: RunStatus) {
    await sql`UPDATE retention_tasks SET status = ${status}, pending = NULL, end_time = ${now()} WHERE id = ${id}`.execute(
      this.db,
    );
  }

  async tasks(executionId: number, offset: number, limit: number) {
    const rows = await this.rows(sql`SELECT * FROM retention_tasks WHERE execution_id = ${executionId}
      ORDER BY id LIMIT ${limit} OFFSET ${offset}`);
    const total = await this.rows(sql`SELECT count(*) AS c FROM retention_tasks WHERE execution_id = ${executionId}`);
    return { items: rows.map(toTask), total: n(total[0]?.c) };
  }

  async task(id: number) {
    const rows = await this.rows(sql`SELECT * FROM retention_tasks WHERE id = ${id}`);
    return rows[0] ? toTask(rows[0]) : null;
  }

  async repositories(projectName: string) {
    const rows = await this.rows(sql`SELECT name FROM repositories
      WHERE name = ${projectName} OR (name >= ${`${projectName}/`} AND name < ${`${projectName}0`}) ORDER BY name`);
    return rows.map((r) => r.name as string);
  }

  async candidates(repository: string): Promise<Candidate[]> {
    // Index children and referrers are not artifacts of their own: they go with their parent.
    const rows =
      await this.rows(sql`SELECT m.digest, m.created_at, m.pulled_at, t.name AS tag, t.updated_at AS tagged_at
      FROM manifests m LEFT JOIN tags t ON t.repository = m.repository AND t.digest = m.digest
      WHERE m.repository = ${repository} AND m.subject IS NULL
        AND NOT EXISTS (SELECT 1 FROM manifest_references r
          WHERE r.repository = m.repository AND r.child = m.digest AND r.kind = 'manifest')
      ORDER BY m.digest, t.name`);
    const byDigest = new Map<string, Candidate>();
    for (const r of rows) {
      const digest = r.digest as string;
      let c = byDigest.get(digest);
      if (!c) {
        c = { digest, tags: [], pushedAt: r.created_at as string, pulledAt: (r.pulled_at as string | null) ?? null };
        byDigest.set(digest, c);
      }
      if (r.tag !== null && r.tag !== undefined) {
        c.tags.push(r.tag as string);
        // A tag pushed again later makes the artifact newer, as Harbor's push time does.
        if ((r.tagged_at as string) > c.pushedAt) c.pushedAt = r.tagged_at as string;
      }
    }
    return [...byDigest.values()];
  }
}
