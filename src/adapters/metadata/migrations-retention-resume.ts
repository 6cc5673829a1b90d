/**
 * Migration 0120_retention_resume: the artifact a retention task is removing
 * (`pending`), written before the removal and cleared with the log line after
 * it, so an execution resumed after a crash knows a manifest gone meanwhile
 * was removed by this task (logged once, never attempted again).
 */
import type { Kysely, Migration } from 'kysely';

export function retentionResumeMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('retention_tasks').addColumn('pending', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('retention_tasks').dropColumn('pending').execute();
    },
  };
}
