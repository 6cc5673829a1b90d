/**
 * The console's additions to the schema: daily push/pull counters and the
 * indexes behind "recent activity". Portable DDL for SQLite and PostgreSQL.
 */
import type { Kysely, Migration } from 'kysely';

export function catalogMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('traffic_daily')
        .addColumn('day', 'text', (c) => c.primaryKey())
        .addColumn('pushes', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('pulls', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('tags_updated_at').on('tags').column('updated_at').execute();
      await db.schema.createIndex('manifests_created_at').on('manifests').column('created_at').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('manifests_created_at').execute();
      await db.schema.dropIndex('tags_updated_at').execute();
      await db.schema.dropTable('traffic_daily').execute();
    },
  };
}
