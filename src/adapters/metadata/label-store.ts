/** LabelStore over Kysely (SQLite and PostgreSQL, migration 0351_labels). */
import type { Kysely } from 'kysely';
import type { Label, LabelInput, LabelScope, LabelStore } from '../../features/labels/store.ts';

interface LabelRow {
  id: number;
  name: string;
  description: string;
  color: string;
  scope: string;
  project_id: number;
  created_at: string;
  updated_at: string;
}

export interface LabelTables {
  labels: Omit<LabelRow, 'id'> & { id?: number };
  artifact_labels: { repository: string; digest: string; label_id: number };
}

const toLabel = (r: LabelRow): Label => ({
  id: Number(r.id),
  name: r.name,
  description: r.description,
  color: r.color,
  scope: r.scope as LabelScope,
  projectId: Number(r.project_id),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class KyselyLabelStore implements LabelStore {
  private constructor(private readonly db: Kysely<LabelTables>) {}

  static over<DB>(db: Kysely<DB>): KyselyLabelStore {
    return new KyselyLabelStore(db as unknown as Kysely<LabelTables>);
  }

  private async nameTaken(scope: LabelScope, projectId: number, name: string, except = 0): Promise<boolean> {
    const row = await this.db
      .selectFrom('labels')
      .select('id')
      .where('scope', '=', scope)
      .where('project_id', '=', projectId)
      .where('name', '=', name)
      .where('id', '!=', except)
      .executeTakeFirst();
    return row !== undefined;
  }

  async create(input: LabelInput): Promise<Label | null> {
    if (await this.nameTaken(input.scope, input.projectId, input.name)) return null;
    const now = new Date().toISOString();
    const row = await this.db
      .insertInto('labels')
      .values({
        name: input.name,
        description: input.description,
        color: input.color,
        scope: input.scope,
        project_id: input.projectId,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch(() => null);
    return row ? toLabel(row as LabelRow) : null;
  }

  async get(id: number): Promise<Label | null> {
    const row = await this.db.selectFrom('labels').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toLabel(row as LabelRow) : null;
  }

  async list(filter: { scope: LabelScope; projectId: number; name?: string; offset: number; limit: number }) {
    let q = this.db.selectFrom('labels').where('scope', '=', filter.scope).where('project_id', '=', filter.projectId);
    if (filter.name) q = q.where('name', 'like', `%${filter.name.replace(/[%_\\]/g, '\\$&')}%`);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('name').offset(filter.offset).limit(filter.limit).execute();
    return { items: rows.map((r) => toLabel(r as LabelRow)), total };
  }

  async update(id: number, patch: Partial<Pick<Label, 'name' | 'description' | 'color'>>): Promise<boolean> {
    const current = await this.get(id);
    if (!current) return false;
    if (patch.name !== undefined && (await this.nameTaken(current.scope, current.projectId, patch.name, id)))
      return false;
    await this.db
      .updateTable('labels')
      .set({ ...patch, updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute();
    return true;
  }

  async remove(id: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('artifact_labels').where('label_id', '=', id).execute();
      await tx.deleteFrom('labels').where('id', '=', id).execute();
    });
  }

  async attach(repository: string, digest: string, labelId: number): Promise<boolean> {
    const result = await this.db
      .insertInto('artifact_labels')
      .values({ repository, digest, label_id: labelId })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async detach(repository: string, digest: string, labelId: number): Promise<boolean> {
    const result = await this.db
      .deleteFrom('artifact_labels')
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .where('label_id', '=', labelId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async attached(repository: string, digests: string[]): Promise<Map<string, Label[]>> {
    const out = new Map<string, Label[]>();
    if (digests.length === 0) return out;
    const rows = await this.db
      .selectFrom('artifact_labels')
      .innerJoin('labels', 'labels.id', 'artifact_labels.label_id')
      .selectAll('labels')
      .select('artifact_labels.digest as digest')
      .where('artifact_labels.repository', '=', repository)
      .where('artifact_labels.digest', 'in', digests)
      .orderBy('labels.name')
      .execute();
    for (const r of rows) {
      const list = out.get(r.digest) ?? [];
      list.push(toLabel(r as unknown as LabelRow));
      out.set(r.digest, list);
    }
    return out;
  }

  async digestsWith(repository: string, labelIds: number[], every: boolean): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('artifact_labels')
      .select(['digest', 'label_id'])
      .where('repository', '=', repository)
      .where('label_id', 'in', labelIds)
      .execute();
    const count = new Map<string, Set<number>>();
    for (const r of rows) count.set(r.digest, (count.get(r.digest) ?? new Set()).add(Number(r.label_id)));
    const wanted = new Set(labelIds).size;
    return new Set([...count].filter(([, ids]) => !every || ids.size === wanted).map(([d]) => d));
  }
}
