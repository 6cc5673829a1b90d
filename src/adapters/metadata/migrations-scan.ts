/**
 * Migration 0350_scan: the offline vulnerability database (OSV records by
 * ecosystem and package), scan reports by manifest digest, and the per-project
 * pull policy and CVE allowlists (project 0: the system list). Portable SQL.
 */
import { type ColumnDefinitionBuilder, type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './migrations.ts';

export function scanMigration(dialect: Dialect): Migration {
  const key = (col: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? col.modifyEnd(sql`collate "C"`).notNull() : col.notNull();
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('scan_advisories')
        .addColumn('id', 'text', key)
        .addColumn('ecosystem', 'text', key)
        .addColumn('ecosystem_base', 'text', key)
        .addColumn('name', 'text', key)
        .addColumn('modified', 'text', (c) => c.notNull())
        .addColumn('record', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('scan_advisories_pk', ['id', 'ecosystem', 'name'])
        .execute();
      await db.schema
        .createIndex('scan_advisories_package')
        .on('scan_advisories')
        .columns(['ecosystem_base', 'name'])
        .execute();
      await db.schema
        .createTable('scan_reports')
        .addColumn('digest', 'text', (c) => key(c).primaryKey())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('report', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('scan_policies')
        .addColumn('project_id', 'integer', (c) => c.primaryKey())
        .addColumn('prevent_vul', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('severity', 'text', (c) => c.notNull().defaultTo('Low'))
        .addColumn('auto_scan', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('scan_allowlists')
        .addColumn('project_id', 'integer', (c) => c.primaryKey())
        .addColumn('items', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const t of ['scan_allowlists', 'scan_policies', 'scan_reports', 'scan_advisories'])
        await db.schema.dropTable(t).execute();
    },
  };
}
