/**
 * LifecycleStore over Kysely (SQLite and PostgreSQL): project quotas and
 * usage (logical against physical bytes), immutable tag rules, tag history.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type {
  HistoryEntry,
  ImmutableRuleBody,
  ImmutableRuleRow,
  LifecycleStore,
  ProjectUsage,
  QuotaRow,
} from '../../features/lifecycle/ports.ts';

type Row = Record<string, unknown>;
const now = () => new Date().toISOString();
const n = (v: unknown) => Number(v ?? 0);

/** Repositories of a project: `p` itself and `p/…` (a range, so the primary key index serves it). */
const inProject = (column: RawBuilder<unknown>, project: string | null) =>
  project === null
    ? sql`1 = 1`
    : sql`(${column} = ${project} OR (${column} >= ${`${project}/`} AND ${column} < ${`${project}0`}))`;

function toQuota(r: Row): QuotaRow {
  return {
    projectId: n(r.project_id),
    projectName: r.project_name as string,
    hardStorage: n(r.hard_storage),
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

function toRule(r: Row): ImmutableRuleRow {
  return {
    id: n(r.id),
    projectId: n(r.project_id),
    projectName: r.project_name as string,
    disabled: n(r.disabled) === 1,
    priority: n(r.priority),
    rule: JSON.parse(r.rule as string) as ImmutableRuleBody,
    createdAt: r.created_at as string,
  };
}

export class KyselyLifecycleStore implements LifecycleStore {
  // biome-ignore lint/suspicious/noExplicitAny: the lifecycle tables are typed by their rows here
  constructor(private readonly db: Kysely<any>) {}

  // biome-ignore lint/suspicious/noExplicitAny: any database holding the lifecycle tables
  static over(db: Kysely<any>): KyselyLifecycleStore {
    return new KyselyLifecycleStore(db);
  }

  private async rows(query: RawBuilder<unknown>): Promise<Row[]> {
    return (await query.execute(this.db)).rows as Row[];
  }

  private async sum(query: RawBuilder<unknown>): Promise<number> {
    return n((await this.rows(query))[0]?.s);
  }

  // ------------------------------------------------------------ quotas

  async quota(projectId: number): Promise<QuotaRow | null> {
    const rows = await this.rows(sql`SELECT * FROM quotas WHERE project_id = ${projectId}`);
    return rows[0] ? toQuota(rows[0]) : null;
  }

  async quotaByName(projectName: string): Promise<QuotaRow | null> {
    const rows = await this.rows(sql`SELECT * FROM quotas WHERE project_name = ${projectName}`);
    return rows[0] ? toQuota(rows[0]) : null;
  }

  async quotas(): Promise<QuotaRow[]> {
    return (await this.rows(sql`SELECT * FROM quotas ORDER BY project_id`)).map(toQuota);
  }

  async setQuota(projectId: number, projectName: string, hardStorage: number): Promise<QuotaRow> {
    const at = now();
    await this.db
      .insertInto('quotas')
      .values({
        project_id: projectId,
        project_name: projectName,
        hard_storage: hardStorage,
        created_at: at,
        updated_at: at,
      })
      .onConflict((oc) =>
        oc.column('project_id').doUpdateSet({ hard_storage: hardStorage, project_name: projectName, updated_at: at }),
      )
      .execute();
    return (await this.quota(projectId)) as QuotaRow;
  }

  usage(projectName: string): Promise<ProjectUsage> {
    return this.usageOf(projectName);
  }

  registryUsage(): Promise<ProjectUsage> {
    return this.usageOf(null);
  }

  private async usageOf(project: string | null): Promise<ProjectUsage> {
    const physical = await this.sum(sql`SELECT coalesce(sum(b.size), 0) AS s FROM blobs b
      WHERE b.digest IN (SELECT l.digest FROM repository_blobs l WHERE ${inProject(sql`l.repository`, project)})
         OR b.digest IN (SELECT m.digest FROM manifests m WHERE ${inProject(sql`m.repository`, project)})`);
    const tags = inProject(sql`t.repository`, project);
    const manifests = await this.sum(sql`SELECT coalesce(sum(m.size), 0) AS s FROM tags t
      JOIN manifests m ON m.repository = t.repository AND m.digest = t.digest WHERE ${tags}`);
    const blobs = await this.sum(sql`SELECT coalesce(sum(b.size), 0) AS s FROM tags t
      JOIN manifest_references r ON r.repository = t.repository AND r.manifest = t.digest AND r.kind = 'blob'
      JOIN blobs b ON b.digest = r.child WHERE ${tags}`);
    const children = await this.sum(sql`SELECT coalesce(sum(c.size), 0) AS s FROM tags t
      JOIN manifest_references r ON r.repository = t.repository AND r.manifest = t.digest AND r.kind = 'manifest'
      JOIN manifests c ON c.repository = r.repository AND c.digest = r.child WHERE ${tags}`);
    const childBlobs = await this.sum(sql`SELECT coalesce(sum(b.size), 0) AS s FROM tags t
      JOIN manifest_references r ON r.repository = t.repository AND r.manifest = t.digest AND r.kind = 'manifest'
      JOIN manifest_references r2 ON r2.repository = r.repository AND r2.manifest = r.child AND r2.kind = 'blob'
      JOIN blobs b ON b.digest = r2.child WHERE ${tags}`);
    return { physical, logical: manifests + blobs + children + childBlobs };
  }

  async linkedInProject(projectName: string, digest: string): Promise<boolean> {
    const rows = await this.rows(sql`SELECT 1 AS x FROM repository_blobs l
      WHERE l.digest = ${digest} AND ${inProject(sql`l.repository`, projectName)} LIMIT 1`);
    return rows.length > 0;
  }

  // ------------------------------------------------------------ immutable rules

  async immutableRules(projectName: string): Promise<ImmutableRuleRow[]> {
    return (
      await this.rows(sql`SELECT * FROM immutable_rules WHERE project_name = ${projectName} ORDER BY priority, id`)
    ).map(toRule);
  }

  async immutableRule(id: number): Promise<ImmutableRuleRow | null> {
    const rows = await this.rows(sql`SELECT * FROM immutable_rules WHERE id = ${id}`);
    return rows[0] ? toRule(rows[0]) : null;
  }

  async addImmutableRule(row: Omit<ImmutableRuleRow, 'id' | 'createdAt'>): Promise<ImmutableRuleRow> {
    const created = await this.db
      .insertInto('immutable_rules')
      .values({
        project_id: row.projectId,
        project_name: row.projectName,
        disabled: row.disabled ? 1 : 0,
        priority: row.priority,
        rule: JSON.stringify(row.rule),
        created_at: now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRule(created as Row);
  }

  async updateImmutableRule(id: number, disabled: boolean, priority: number, rule: ImmutableRuleBody): Promise<void> {
    await sql`UPDATE immutable_rules SET disabled = ${disabled ? 1 : 0}, priority = ${priority},
      rule = ${JSON.stringify(rule)} WHERE id = ${id}`.execute(this.db);
  }

  async deleteImmutableRule(id: number): Promise<boolean> {
    const res = await sql`DELETE FROM immutable_rules WHERE id = ${id}`.execute(this.db);
    return Number(res.numAffectedRows ?? 0) > 0;
  }

  // ------------------------------------------------------------ tag history

  async recordHistory(repository: string, tag: string, e: HistoryEntry): Promise<void> {
    await this.db
      .insertInto('tag_history')
      .values({ repository, tag, digest: e.digest, operation: e.operation, actor: e.actor, at: e.at })
      .execute();
  }

  async history(repository: string, tag: string, limit: number): Promise<HistoryEntry[]> {
    const rows = await this.rows(sql`SELECT digest, operation, actor, at FROM tag_history
      WHERE repository = ${repository} AND tag = ${tag} ORDER BY at DESC, id DESC LIMIT ${limit}`);
    return rows.map((r) => ({
      digest: r.digest as string,
      operation: r.operation as HistoryEntry['operation'],
      actor: (r.actor as string | null) ?? null,
      at: r.at as string,
    }));
  }
}
