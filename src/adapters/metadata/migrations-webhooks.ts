/**
 * Migration 0250_webhooks: project webhook policies (targets JSON with sealed
 * auth headers, sealed signing secret) and their deliveries (one event to one
 * target, with the body sent, status, response code and an attempt log).
 */
import { type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './migrations.ts';

export function webhooksMigration(dialect: Dialect): Migration {
  const withId = <T extends string>(table: CreateTableBuilder<T, never>) =>
    dialect === 'postgres'
      ? table.addColumn('id', 'serial', (c) => c.primaryKey())
      : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  const name = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  return {
    async up(db: Kysely<unknown>) {
      await withId(db.schema.createTable('webhook_policies'))
        .addColumn('project_id', 'integer', (c) => c.notNull())
        .addColumn('name', name, (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('targets', 'text', (c) => c.notNull())
        .addColumn('event_types', 'text', (c) => c.notNull())
        .addColumn('creator', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('secret_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('webhook_policies_name', ['project_id', 'name'])
        .execute();
      await withId(db.schema.createTable('webhook_deliveries'))
        .addColumn('policy_id', 'integer', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('payload_format', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_message', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('response_code', 'integer')
        .addColumn('log', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('ended_at', 'text')
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_policy')
        .on('webhook_deliveries')
        .columns(['policy_id', 'id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('webhook_deliveries').execute();
      await db.schema.dropTable('webhook_policies').execute();
    },
  };
}
