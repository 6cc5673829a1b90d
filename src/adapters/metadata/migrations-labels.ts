/**
 * Migration 0351_labels: Harbor's user-defined labels (global or per project)
 * and their attachment to artifacts (repository and manifest digest). Portable SQL.
 */
import { type ColumnDefinitionBuilder, type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './migrations.ts';

export function labelsMigration(dialect: Dialect): Migration {
  const key = (col: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? col.modifyEnd(sql`collate "C"`).notNull() : col.notNull();
  return {
    async up(db: Kysely<unknown>) {
      const table = db.schema.createTable('labels');
      await (dialect === 'postgres'
        ? table.addColumn('id', 'serial', (c) => c.primaryKey())
        : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      )
        .addColumn('name', 'text', key)
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('color', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('project_id', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('labels_name_in_scope', ['scope', 'project_id', 'name'])
        .execute();
      await db.schema
        .createTable('artifact_labels')
        .addColumn('repository', 'text', key)
        .addColumn('digest', 'text', key)
        .addColumn('label_id', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('artifact_labels_pk', ['repository', 'digest', 'label_id'])
        .execute();
      await db.schema.createIndex('artifact_labels_label').on('artifact_labels').column('label_id').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('artifact_labels').execute();
      await db.schema.dropTable('labels').execute();
    },
  };
}

/** Migration 0352_scan_pulls: the day each manifest was last pulled, so a newer database rescans what is in use. */
export function scanPullsMigration(dialect: Dialect): Migration {
  const key = (col: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? col.modifyEnd(sql`collate "C"`).notNull() : col.notNull();
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('scan_pulls')
        .addColumn('repository', 'text', key)
        .addColumn('digest', 'text', key)
        .addColumn('pulled_on', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('scan_pulls_pk', ['repository', 'digest'])
        .execute();
      await db.schema.createIndex('scan_pulls_day').on('scan_pulls').column('pulled_on').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('scan_pulls').execute();
    },
  };
}

/**
 * Migration 0361_drop_scan_pulls: the scanner's own pull days duplicated the
 * registry's `manifests.pulled_at` (migration 0011); rescans read that now.
 * Nothing is lost: both recorded the same pulls.
 */
export function dropScanPullsMigration(dialect: Dialect): Migration {
  const table = scanPullsMigration(dialect);
  return { up: (db) => table.down?.(db) ?? Promise.resolve(), down: (db) => table.up(db) };
}
