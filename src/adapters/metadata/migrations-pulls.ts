/**
 * Pull counters: a repository's manifest pulls and each manifest's latest
 * pull, written in batches by the traffic recorder (never one write per
 * pull). Plain ADD COLUMN, portable to SQLite and PostgreSQL; the counter has
 * a default so existing rows start at 0.
 */
import type { Kysely, Migration } from 'kysely';

export const pullsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('repositories')
      .addColumn('pull_count', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('manifests').addColumn('pulled_at', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('manifests').dropColumn('pulled_at').execute();
    await db.schema.alterTable('repositories').dropColumn('pull_count').execute();
  },
};
