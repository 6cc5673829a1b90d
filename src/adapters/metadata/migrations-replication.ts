/**
 * Migration 0251_replication: replication policies, executions, tasks (with
 * the chunked-copy checkpoint and an attempt log), where targets hold blobs
 * (for mounts), and the schedule clock that fires each cron run once.
 */
import { type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './migrations.ts';

export function replicationMigration(dialect: Dialect): Migration {
  const withId = <T extends string>(table: CreateTableBuilder<T, never>) =>
    dialect === 'postgres'
      ? table.addColumn('id', 'serial', (c) => c.primaryKey())
      : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  const keyText = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  return {
    async up(db: Kysely<unknown>) {
      await withId(db.schema.createTable('replication_policies'))
        .addColumn('name', keyText, (c) => c.notNull().unique())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('src_registry_id', 'integer')
        .addColumn('dest_registry_id', 'integer')
        .addColumn('dest_namespace', 'text', (c) => c.notNull())
        .addColumn('dest_namespace_replace_count', 'integer', (c) => c.notNull())
        .addColumn('filters', 'text', (c) => c.notNull())
        .addColumn('trigger_type', 'text', (c) => c.notNull())
        .addColumn('trigger_cron', 'text', (c) => c.notNull())
        .addColumn('replicate_deletion', 'integer', (c) => c.notNull())
        .addColumn('override', 'integer', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('speed', 'integer', (c) => c.notNull())
        .addColumn('copy_by_chunk', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await withId(db.schema.createTable('replication_executions'))
        .addColumn('policy_id', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_text', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .addColumn('failed', 'integer', (c) => c.notNull())
        .addColumn('succeed', 'integer', (c) => c.notNull())
        .addColumn('in_progress', 'integer', (c) => c.notNull())
        .addColumn('stopped', 'integer', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('start_time', 'text', (c) => c.notNull())
        .addColumn('end_time', 'text')
        .execute();
      await db.schema
        .createIndex('replication_executions_policy')
        .on('replication_executions')
        .columns(['policy_id', 'id'])
        .execute();
      await withId(db.schema.createTable('replication_tasks'))
        .addColumn('execution_id', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('src_resource', 'text', (c) => c.notNull())
        .addColumn('dst_resource', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('checkpoint', 'text')
        .addColumn('log', 'text', (c) => c.notNull())
        .addColumn('start_time', 'text')
        .addColumn('end_time', 'text')
        .execute();
      await db.schema
        .createIndex('replication_tasks_execution')
        .on('replication_tasks')
        .columns(['execution_id', 'id'])
        .execute();
      await db.schema
        .createTable('replication_blob_homes')
        .addColumn('registry_key', keyText, (c) => c.notNull())
        .addColumn('digest', keyText, (c) => c.notNull())
        .addColumn('repository', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('replication_blob_homes_pk', ['registry_key', 'digest'])
        .execute();
      await db.schema
        .createTable('replication_schedule')
        .addColumn('policy_id', 'integer', (c) => c.primaryKey())
        .addColumn('last_second', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const t of [
        'replication_schedule',
        'replication_blob_homes',
        'replication_tasks',
        'replication_executions',
        'replication_policies',
      ])
        await db.schema.dropTable(t).execute();
    },
  };
}
