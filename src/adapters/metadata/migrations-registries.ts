/**
 * Migration 0200_registries: upstream registries (proxy caches, replication).
 * Booleans 0/1, times ISO text; the secret column holds a SecretBox value.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './migrations.ts';

export function registriesMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      let table = db.schema.createTable('registries');
      table =
        dialect === 'postgres'
          ? table.addColumn('id', 'serial', (c) => c.primaryKey())
          : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
      await table
        .addColumn('name', 'text', (c) =>
          (dialect === 'postgres' ? c.modifyEnd(sql`collate "C"`) : c).notNull().unique(),
        )
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('insecure', 'integer', (c) => c.notNull())
        .addColumn('ca_certificate', 'text')
        .addColumn('credential_type', 'text')
        .addColumn('access_key', 'text', (c) => c.notNull())
        .addColumn('access_secret_sealed', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
