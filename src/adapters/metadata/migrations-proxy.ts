/** Migration 0201_proxy_projects: which projects are proxy caches (registry_id) or groups (members, JSON list). */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './migrations.ts';

export function proxyProjectsMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('proxy_projects')
        .addColumn('project', 'text', (c) =>
          (dialect === 'postgres' ? c.modifyEnd(sql`collate "C"`) : c).notNull().primaryKey(),
        )
        .addColumn('registry_id', 'integer')
        .addColumn('members', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
