/**
 * Migration 0360_scanners: external scanner registrations (Harbor's
 * `/scanners`, adapters of the pluggable scanner API) with their sealed
 * credentials, and the scanner each project chose. Portable SQL.
 */
import { type ColumnDefinitionBuilder, type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './migrations.ts';

export function scannersMigration(dialect: Dialect): Migration {
  const key = (col: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? col.modifyEnd(sql`collate "C"`).notNull() : col.notNull();
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('scanners')
        .addColumn('uuid', 'text', (c) => key(c).primaryKey())
        .addColumn('name', 'text', (c) => key(c).unique())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('auth', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('credential_sealed', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('skip_cert_verify', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('use_internal_addr', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('project_scanners')
        .addColumn('project_id', 'integer', (c) => c.primaryKey())
        .addColumn('scanner_uuid', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('project_scanners').execute();
      await db.schema.dropTable('scanners').execute();
    },
  };
}
