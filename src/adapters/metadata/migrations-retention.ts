/**
 * Migration 0110_retention: tag retention policies (one per project, Harbor's
 * policy as JSON text), their executions and per-repository tasks with logs.
 */
import type { CreateTableBuilder, Kysely, Migration } from 'kysely';
import type { Dialect } from './migrations.ts';

export function retentionMigration(dialect: Dialect): Migration {
  const withId = <T extends string>(table: CreateTableBuilder<T, never>) =>
    dialect === 'postgres'
      ? table.addColumn('id', 'serial', (c) => c.primaryKey())
      : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  return {
    async up(db: Kysely<unknown>) {
      await withId(db.schema.createTable('retention_policies'))
        .addColumn('project_id', 'integer', (c) => c.notNull().unique())
        .addColumn('project_name', 'text', (c) => c.notNull())
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await withId(db.schema.createTable('retention_executions'))
        .addColumn('policy_id', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('dry_run', 'integer', (c) => c.notNull())
        .addColumn('start_time', 'text', (c) => c.notNull())
        .addColumn('end_time', 'text')
        .execute();
      await db.schema
        .createIndex('retention_executions_policy')
        .on('retention_executions')
        .columns(['policy_id', 'status'])
        .execute();
      await withId(db.schema.createTable('retention_tasks'))
        .addColumn('execution_id', 'integer', (c) => c.notNull())
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .addColumn('retained', 'integer', (c) => c.notNull())
        .addColumn('log', 'text', (c) => c.notNull())
        .addColumn('start_time', 'text', (c) => c.notNull())
        .addColumn('end_time', 'text')
        .execute();
      await db.schema.createIndex('retention_tasks_execution').on('retention_tasks').column('execution_id').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('retention_tasks').execute();
      await db.schema.dropTable('retention_executions').execute();
      await db.schema.dropTable('retention_policies').execute();
    },
  };
}
