/**
 * Migration 0300_signing: trusted keys and certificates (per project, or
 * registry-wide when project_id is null), the per-project gate switches
 * (Harbor's enable_content_trust_cosign / enable_content_trust), and the
 * shared counter every node watches to drop cached verdicts.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './migrations.ts';

export function signingMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const table = db.schema.createTable('signing_keys');
      await (dialect === 'postgres'
        ? table.addColumn('id', 'serial', (c) => c.primaryKey())
        : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      )
        .addColumn('project_id', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('pem', 'text', (c) => c.notNull())
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('signing_keys_name', ['project_id', 'name'])
        .execute();
      await db.schema
        .createTable('signing_policies')
        .addColumn('project_id', 'integer', (c) => c.primaryKey())
        .addColumn('cosign', 'integer', (c) => c.notNull())
        .addColumn('notation', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('signing_state')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('version', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into signing_state (id, version) values (1, 0)`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      for (const t of ['signing_state', 'signing_policies', 'signing_keys']) await db.schema.dropTable(t).execute();
    },
  };
}
