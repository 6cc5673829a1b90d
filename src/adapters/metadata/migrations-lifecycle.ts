/**
 * Migration 0100_lifecycle: garbage collection runs and their tombstones,
 * schedules, project quotas, immutable tag rules and tag history.
 * Portable SQL (booleans 0/1 integers, lists JSON text, times ISO text).
 */
import { type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './migrations.ts';

export function lifecycleMigration(dialect: Dialect): Migration {
  const key = (col: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? col.modifyEnd(sql`collate "C"`).notNull() : col.notNull();
  const withId = <T extends string>(table: CreateTableBuilder<T, never>) =>
    dialect === 'postgres'
      ? table.addColumn('id', 'serial', (c) => c.primaryKey())
      : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  return {
    async up(db: Kysely<unknown>) {
      await withId(db.schema.createTable('gc_runs'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('blobs_deleted', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('bytes_freed', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('manifests_deleted', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('uploads_purged', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('log', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('gc_runs_status').on('gc_runs').column('status').execute();
      // A blob whose metadata row is gone and whose bytes are being deleted: links wait for it.
      await db.schema
        .createTable('gc_tombstones')
        .addColumn('digest', 'text', (c) => c.primaryKey())
        .addColumn('run_id', 'integer', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('deleted', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      // A manifest push in progress names these digests: no run may take them until it commits.
      await withId(db.schema.createTable('gc_intents'))
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('gc_intents_digest').on('gc_intents').columns(['digest', 'created_at']).execute();
      await db.schema
        .createTable('lifecycle_schedules')
        .addColumn('name', 'text', (c) => key(c).primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('cron', 'text', (c) => c.notNull())
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('last_fired', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('quotas')
        .addColumn('project_id', 'integer', (c) => c.primaryKey())
        .addColumn('project_name', 'text', (c) => key(c).unique())
        .addColumn('hard_storage', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await withId(db.schema.createTable('immutable_rules'))
        .addColumn('project_id', 'integer', (c) => c.notNull())
        .addColumn('project_name', 'text', key)
        .addColumn('disabled', 'integer', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('immutable_rules_project').on('immutable_rules').column('project_name').execute();
      await withId(db.schema.createTable('tag_history'))
        .addColumn('repository', 'text', key)
        .addColumn('tag', 'text', key)
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('actor', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      // The sweep asks "does any manifest, in any repository, name this digest?".
      await db.schema.createIndex('gc_manifest_references_child').on('manifest_references').column('child').execute();
      await db.schema.createIndex('gc_manifests_digest').on('manifests').column('digest').execute();
      await db.schema.createIndex('tag_history_tag').on('tag_history').columns(['repository', 'tag', 'at']).execute();
    },
  };
}
