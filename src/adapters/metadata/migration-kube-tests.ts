/**
 * Migration 0010_kube_connection_tests: the last "Test connection" result of
 * each registry connection (JSON text: ok, time and each step's check).
 */
import type { Kysely, Migration } from 'kysely';

export function kubeTestsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('kube_connections').addColumn('last_test', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('kube_connections').dropColumn('last_test').execute();
    },
  };
}
