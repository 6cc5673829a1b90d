/**
 * Migration 0004_kube: registry connections, connection groups, clusters,
 * placements, copy states and the periodic-task clock of the Kubernetes
 * feature. Portable SQL (booleans are 0/1 integers, lists JSON text, times ISO text).
 */
import { type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './migrations.ts';

export function kubeMigration(dialect: Dialect): Migration {
  const key = (col: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? col.modifyEnd(sql`collate "C"`).notNull() : col.notNull();
  const withId = <T extends string>(table: CreateTableBuilder<T, never>) =>
    dialect === 'postgres'
      ? table.addColumn('id', 'serial', (c) => c.primaryKey())
      : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  const times = <T extends string, C extends string>(table: CreateTableBuilder<T, C>) =>
    table.addColumn('created_at', 'text', (c) => c.notNull()).addColumn('updated_at', 'text', (c) => c.notNull());
  return {
    async up(db: Kysely<unknown>) {
      await times(
        withId(db.schema.createTable('kube_connections'))
          .addColumn('name', 'text', (c) => key(c).unique())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('address', 'text', (c) => c.notNull())
          .addColumn('username', 'text', (c) => c.notNull())
          .addColumn('password_sealed', 'text', (c) => c.notNull())
          .addColumn('email', 'text')
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('project_id', 'integer')
          .addColumn('berth_robot', 'text'),
      ).execute();
      await times(
        withId(db.schema.createTable('kube_groups'))
          .addColumn('name', 'text', (c) => key(c).unique())
          .addColumn('upstream', 'text', (c) => c.notNull())
          .addColumn('upstream_insecure', 'integer', (c) => c.notNull())
          .addColumn('members', 'text', (c) => c.notNull()),
      ).execute();
      await times(
        withId(db.schema.createTable('kube_clusters'))
          .addColumn('name', 'text', (c) => key(c).unique())
          .addColumn('kubeconfig_sealed', 'text', (c) => c.notNull())
          .addColumn('context', 'text')
          .addColumn('server', 'text', (c) => c.notNull()),
      ).execute();
      await times(
        withId(db.schema.createTable('kube_placements'))
          .addColumn('connection_id', 'integer', (c) => c.notNull())
          .addColumn('cluster_id', 'integer', (c) => c.notNull())
          .addColumn('secret_name', 'text', (c) => c.notNull())
          .addColumn('namespaces', 'text', (c) => c.notNull())
          .addColumn('service_accounts', 'text', (c) => c.notNull())
          .addColumn('adopt', 'integer', (c) => c.notNull())
          .addUniqueConstraint('kube_placements_target', ['connection_id', 'cluster_id', 'secret_name']),
      ).execute();
      await db.schema
        .createTable('kube_copies')
        .addColumn('placement_id', 'integer', (c) => c.notNull())
        .addColumn('namespace', 'text', key)
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('message', 'text')
        .addColumn('fingerprint', 'text')
        .addColumn('service_accounts', 'text', (c) => c.notNull())
        .addColumn('synced_at', 'text')
        .addPrimaryKeyConstraint('kube_copies_pk', ['placement_id', 'namespace'])
        .execute();
      await db.schema
        .createTable('kube_periodic')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('last_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
