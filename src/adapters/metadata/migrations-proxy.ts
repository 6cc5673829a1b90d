/**
 * Migration 0201_proxy_projects: which projects are proxy caches (registry_id)
 * or groups (members, JSON list); 0210_proxy_fills: the cross-node lease on a
 * blob being fetched from an upstream.
 */
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

export function proxyFillsMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('proxy_fills')
        .addColumn('digest', 'text', (c) =>
          (dialect === 'postgres' ? c.modifyEnd(sql`collate "C"`) : c).notNull().primaryKey(),
        )
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
