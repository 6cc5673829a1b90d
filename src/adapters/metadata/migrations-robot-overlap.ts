/**
 * Migration 0411_robot_secret_overlap: a robot's previous secret and until
 * when it is still accepted, so a refresh does not break Kubernetes clusters
 * that still hold pull secrets with the old one (src/features/kube/rotation.ts).
 */
import type { Kysely, Migration } from 'kysely';

export const robotOverlapMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('robots').addColumn('previous_secret_hash', 'text').execute();
    await db.schema.alterTable('robots').addColumn('previous_secret_until', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('robots').dropColumn('previous_secret_until').execute();
    await db.schema.alterTable('robots').dropColumn('previous_secret_hash').execute();
  },
};
