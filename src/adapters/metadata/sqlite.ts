/**
 * The embedded metadata store: SQLite through better-sqlite3 (12.x; 13.x
 * crashes on Node 20). The manifest and blob reads on the pull path use
 * prepared statements; everything else goes through Kysely.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDialectConfig } from 'kysely';
import type { ManifestRecord } from '../../core/ports.ts';
import { KyselyStore, toManifestRecord } from './kysely-store.ts';
import type { Database } from './schema.ts';

export class SqliteStore extends KyselyStore {
  private readonly sqlite: SqliteDatabase.Database;
  private readonly byTag: SqliteDatabase.Statement;
  private readonly byDigest: SqliteDatabase.Statement;
  private readonly blobInRepository: SqliteDatabase.Statement;

  private constructor(sqlite: SqliteDatabase.Database) {
    super(new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) }), 'sqlite');
    this.sqlite = sqlite;
    this.byTag = sqlite.prepare(
      `SELECT m.* FROM tags t JOIN manifests m ON m.repository = t.repository AND m.digest = t.digest
       WHERE t.repository = ? AND t.name = ?`,
    );
    this.byDigest = sqlite.prepare('SELECT * FROM manifests WHERE repository = ? AND digest = ?');
    this.blobInRepository = sqlite.prepare(
      `SELECT b.size FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest
       WHERE rb.repository = ? AND rb.digest = ?`,
    );
  }

  /** Opens (creating if needed) the database file and brings its schema up to date. */
  static async open(file: string): Promise<SqliteStore> {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const sqlite = new SqliteDatabase(file);
    sqlite.pragma('journal_mode = WAL');
    // WAL with synchronous=NORMAL survives a process crash; fsync happens at checkpoints.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    // Create the tables before preparing statements over them.
    const bootstrap = new KyselyStore(
      new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) }),
      'sqlite',
    );
    await bootstrap.migrate();
    return new SqliteStore(sqlite);
  }

  override async manifestByTag(repository: string, tag: string): Promise<ManifestRecord | null> {
    const row = this.byTag.get(repository, tag) as Database['manifests'] | undefined;
    return row ? toManifestRecord(row) : null;
  }

  override async manifestByDigest(repository: string, digest: string): Promise<ManifestRecord | null> {
    const row = this.byDigest.get(repository, digest) as Database['manifests'] | undefined;
    return row ? toManifestRecord(row) : null;
  }

  override async repositoryBlobSize(repository: string, digest: string): Promise<number | null> {
    const row = this.blobInRepository.get(repository, digest) as { size: number } | undefined;
    return row ? row.size : null;
  }

  override async close(): Promise<void> {
    await super.close();
    if (this.sqlite.open) this.sqlite.close();
  }
}

const STATEMENT_CACHE_ENTRIES = 500;

/**
 * Kysely prepares every query it runs; preparing costs more than running
 * most of ours. Queries are parameterised, so their SQL repeats: keep the
 * prepared statements by SQL text. (Kysely runs one query at a time on the
 * connection, so a statement is never in use twice at once.)
 */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDialectConfig['database'] {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_ENTRIES) {
          const oldest = statements.keys().next().value;
          if (oldest !== undefined) statements.delete(oldest);
        }
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
