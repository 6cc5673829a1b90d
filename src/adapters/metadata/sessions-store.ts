/** Console sessions in the metadata database (SQLite or PostgreSQL). */
import type { Kysely, Migration } from 'kysely';
import type { SessionRecord, SessionStore } from '../../features/sessions/store.ts';

interface SessionTables {
  console_sessions: {
    id_hash: string;
    account_id: number;
    username: string;
    csrf_token: string;
    created_at: string;
    expires_at: string;
  };
}

export const sessionsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('console_sessions')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'integer', (c) => c.notNull())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('console_sessions_account').on('console_sessions').column('account_id').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('console_sessions').execute();
  },
};

export class KyselySessionStore implements SessionStore {
  private constructor(private readonly db: Kysely<SessionTables>) {}

  static over<DB>(db: Kysely<DB>): KyselySessionStore {
    // Same connection pool; only the table types differ.
    return new KyselySessionStore(db as unknown as Kysely<SessionTables>);
  }

  async createSession(r: SessionRecord): Promise<void> {
    await this.db
      .insertInto('console_sessions')
      .values({
        id_hash: r.idHash,
        account_id: r.accountId,
        username: r.username,
        csrf_token: r.csrfToken,
        created_at: r.createdAt,
        expires_at: r.expiresAt,
      })
      .execute();
  }

  async sessionByHash(idHash: string, now: string): Promise<SessionRecord | null> {
    const row = await this.db
      .selectFrom('console_sessions')
      .selectAll()
      .where('id_hash', '=', idHash)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (!row) return null;
    return {
      idHash: row.id_hash,
      accountId: Number(row.account_id),
      username: row.username,
      csrfToken: row.csrf_token,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    };
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteSessionsOf(accountId: number): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('account_id', '=', accountId).execute();
  }

  async deleteExpiredSessions(now: string): Promise<number> {
    const result = await this.db.deleteFrom('console_sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows ?? 0);
  }
}
