/**
 * Migration 0430_audit_login_rows: logins were recorded with resource type
 * `login`, so the log read "login login admin". Harbor records them as
 * operation `login` on resource type `user` (the account signed in); older
 * rows are moved to that shape so filters by resource type find them all.
 */
import { type Kysely, type Migration, sql } from 'kysely';

export const auditLoginRowsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`update audit_events set resource_type = 'user' where resource_type = 'login'`.execute(db);
  },
};
