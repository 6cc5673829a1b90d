/** ProxyStore over Kysely (SQLite and PostgreSQL, migrations 0201_proxy_projects and 0210_proxy_fills). */
import { type Kysely, sql } from 'kysely';
import type { ProxySettings, ProxyStore } from '../../features/proxy/store.ts';

interface ProxyTables {
  proxy_projects: { project: string; registry_id: number | null; members: string | null; updated_at: string };
  manifests: { repository: string; digest: string; created_at: string; pulled_at: string | null };
  proxy_fills: { digest: string; owner: string; expires_at: string };
}

const toSettings = (r: ProxyTables['proxy_projects']): ProxySettings => ({
  project: r.project,
  registryId: r.registry_id === null ? null : Number(r.registry_id),
  members: r.members === null ? null : (JSON.parse(r.members) as string[]),
});

export class KyselyProxyStore implements ProxyStore {
  constructor(private readonly db: Kysely<ProxyTables>) {}

  static over<DB>(db: Kysely<DB>): KyselyProxyStore {
    return new KyselyProxyStore(db as unknown as Kysely<ProxyTables>);
  }

  async list(): Promise<ProxySettings[]> {
    return (await this.db.selectFrom('proxy_projects').selectAll().orderBy('project').execute()).map(toSettings);
  }

  async get(project: string): Promise<ProxySettings | null> {
    const row = await this.db
      .selectFrom('proxy_projects')
      .selectAll()
      .where('project', '=', project)
      .executeTakeFirst();
    return row ? toSettings(row) : null;
  }

  async put(s: ProxySettings): Promise<void> {
    const values = {
      project: s.project,
      registry_id: s.registryId,
      members: s.members === null ? null : JSON.stringify(s.members),
      updated_at: new Date().toISOString(),
    };
    await this.db
      .insertInto('proxy_projects')
      .values(values)
      .onConflict((oc) =>
        oc.column('project').doUpdateSet({
          registry_id: values.registry_id,
          members: values.members,
          updated_at: values.updated_at,
        }),
      )
      .execute();
  }

  async unusedManifests(
    project: string,
    before: string,
    limit: number,
  ): Promise<Array<{ repository: string; digest: string }>> {
    // Repository names never hold % or _ wildcards' meaning here: project names are [a-z0-9._-], escape _ anyway.
    const prefix = `${project.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`;
    return this.db
      .selectFrom('manifests')
      .select(['repository', 'digest'])
      .where(sql<boolean>`repository like ${prefix} escape '\\'`)
      .where((eb) => eb(eb.fn.coalesce('pulled_at', 'created_at'), '<', before))
      .limit(limit)
      .execute();
  }

  async delete(project: string): Promise<void> {
    await this.db.deleteFrom('proxy_projects').where('project', '=', project).execute();
  }

  async claimFill(digest: string, owner: string, now: string, until: string): Promise<string> {
    // A released lease may vanish between the two statements: then try again.
    for (;;) {
      // One statement: a free or lapsed lease is taken, a live one is left alone (ISO times compare as text).
      await this.db
        .insertInto('proxy_fills')
        .values({ digest, owner, expires_at: until })
        .onConflict((oc) =>
          oc.column('digest').doUpdateSet({ owner, expires_at: until }).where('proxy_fills.expires_at', '<', now),
        )
        .execute();
      const row = await this.db
        .selectFrom('proxy_fills')
        .select('owner')
        .where('digest', '=', digest)
        .executeTakeFirst();
      if (row) return row.owner;
    }
  }

  async renewFill(digest: string, owner: string, until: string): Promise<boolean> {
    const r = await this.db
      .updateTable('proxy_fills')
      .set({ expires_at: until })
      .where('digest', '=', digest)
      .where('owner', '=', owner)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async releaseFill(digest: string, owner: string): Promise<void> {
    await this.db.deleteFrom('proxy_fills').where('digest', '=', digest).where('owner', '=', owner).execute();
  }
}
