/**
 * The embedded metadata store: SQLite through better-sqlite3 (12.x; 13.x
 * crashes on Node 20). The manifest and blob reads on the pull path use
 * prepared statements and a cache of their answers (see PullPathCache);
 * everything else goes through Kysely.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDialectConfig } from 'kysely';
import { RegistryError } from '../../core/errors.ts';
import type { ManifestRecord } from '../../core/ports.ts';
import type { ChangeFeed } from './access-read-cache.ts';
import { KyselyStore, toManifestRecord } from './kysely-store.ts';
import type { Database } from './schema.ts';

export class SqliteStore extends KyselyStore {
  private readonly sqlite: SqliteDatabase.Database;
  private readonly byTag: SqliteDatabase.Statement;
  private readonly byDigest: SqliteDatabase.Statement;
  private readonly blobInRepository: SqliteDatabase.Statement;
  private readonly cache: PullPathCache;

  private constructor(sqlite: SqliteDatabase.Database) {
    const cache = new PullPathCache(sqlite);
    super(
      new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite, cache) }) }),
      'sqlite',
    );
    this.sqlite = sqlite;
    this.cache = cache;
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
      new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite, null) }) }),
      'sqlite',
    );
    // One transaction around the migrations: Kysely's Migrator runs SQLite's statements one by one (it takes
    // SQLite for a database without transactional DDL), so a start killed or failing inside a migration left
    // its first tables behind, unrecorded, and every later start failed on "table … already exists".
    sqlite.exec('BEGIN IMMEDIATE');
    try {
      await bootstrap.migrate();
      sqlite.exec('COMMIT');
    } catch (err) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      throw err;
    }
    return new SqliteStore(sqlite);
  }

  override async manifestByTag(repository: string, tag: string): Promise<ManifestRecord | null> {
    return this.cache.get(`t\0${repository}\0${tag}`, () => {
      const row = this.byTag.get(repository, tag) as Database['manifests'] | undefined;
      return row ? Object.freeze(toManifestRecord(row)) : null;
    });
  }

  override async manifestByDigest(repository: string, digest: string): Promise<ManifestRecord | null> {
    return this.cache.get(`m\0${repository}\0${digest}`, () => {
      const row = this.byDigest.get(repository, digest) as Database['manifests'] | undefined;
      return row ? Object.freeze(toManifestRecord(row)) : null;
    });
  }

  override async repositoryBlobSize(repository: string, digest: string): Promise<number | null> {
    return this.cache.get(`b\0${repository}\0${digest}`, () => {
      const row = this.blobInRepository.get(repository, digest) as { size: number } | undefined;
      return row ? row.size : null;
    });
  }

  /** `PRAGMA data_version`: changes when another connection (a CLI command, another process) commits. */
  override identityChanges(): ChangeFeed {
    const dataVersion = this.sqlite.prepare('PRAGMA data_version').pluck(true);
    // Read once per event-loop turn, as PullPathCache does: the requests of one
    // turn were all sent before it began, so they may see either state.
    let seen: unknown = null;
    let fresh = false;
    return {
      version: () => {
        if (!fresh) {
          fresh = true;
          setImmediate(() => {
            fresh = false;
          });
          seen = dataVersion.get();
        }
        return seen;
      },
    };
  }

  override async close(): Promise<void> {
    await super.close();
    if (this.sqlite.open) this.sqlite.close();
  }
}

const CACHED_ANSWERS = 10_000;

/**
 * Answers of the pull path's reads (manifest by tag or digest, blob in a
 * repository), kept until anything writes to the database. Under a pull storm
 * building the row objects cost more than the rest of the request's work in
 * SQLite. Correct without knowing which write touches what:
 *  - every statement of this connection that may write (or ends a
 *    transaction: a rollback undoes what a read may have seen) empties it;
 *  - `PRAGMA data_version` changes when another connection (a CLI command,
 *    a second process) commits. Reading it costs as much as a cache hit, so
 *    it is read once per event-loop turn: the requests answered in one turn
 *    were all sent before it began, so they are concurrent with a commit
 *    made meanwhile and may see either state.
 * Misses are cached too: a wrong name probed again and again costs nothing.
 */
export class PullPathCache {
  private readonly answers = new Map<string, unknown>();
  private readonly dataVersion: SqliteDatabase.Statement;
  private seenVersion: unknown = null;
  private versionCheckedThisTurn = false;

  constructor(sqlite: SqliteDatabase.Database) {
    this.dataVersion = sqlite.prepare('PRAGMA data_version').pluck(true);
  }

  /** Called by the statements that may write. */
  clear(): void {
    this.answers.clear();
  }

  get<T>(key: string, load: () => T): T {
    if (!this.versionCheckedThisTurn) this.checkVersion();
    if (this.answers.has(key)) return this.answers.get(key) as T;
    const answer = load();
    if (this.answers.size >= CACHED_ANSWERS) this.answers.clear();
    this.answers.set(key, answer);
    return answer;
  }

  private checkVersion(): void {
    this.versionCheckedThisTurn = true;
    setImmediate(() => {
      this.versionCheckedThisTurn = false;
    });
    const version = this.dataVersion.get();
    if (version !== this.seenVersion) {
      this.answers.clear();
      this.seenVersion = version;
    }
  }
}

const STATEMENT_CACHE_ENTRIES = 500;

/**
 * Kysely prepares every query it runs; preparing costs more than running
 * most of ours. Queries are parameterised, so their SQL repeats: keep the
 * prepared statements by SQL text. (Kysely runs one query at a time on the
 * connection, so a statement is never in use twice at once.) Statements that
 * may change what the pull path reads empty `cache` once they have run.
 */
function withStatementCache(
  sqlite: SqliteDatabase.Database,
  cache: PullPathCache | null,
): SqliteDialectConfig['database'] {
  const statements = new Map<string, KyselyStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = translatingFaults(clearingCache(sqlite.prepare(sql), cache));
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

type KyselyStatement = Pick<SqliteDatabase.Statement, 'reader' | 'all' | 'run' | 'iterate'>;

/**
 * A plain SELECT leaves the cache alone; anything else (writes, RETURNING,
 * BEGIN/COMMIT/ROLLBACK, pragmas) empties it after running, even when it fails.
 */
function clearingCache(statement: SqliteDatabase.Statement, cache: PullPathCache | null): KyselyStatement {
  if (!cache || (statement.reader && statement.readonly)) return statement;
  return {
    reader: statement.reader,
    all: (...params) => {
      try {
        return statement.all(...params);
      } finally {
        cache.clear();
      }
    },
    run: (...params) => {
      try {
        return statement.run(...params);
      } finally {
        cache.clear();
      }
    },
    *iterate(...params) {
      try {
        yield* statement.iterate(...params);
      } finally {
        cache.clear();
      }
    },
  };
}

/**
 * A full disk or a read-only database file fails writes with SQLITE_FULL /
 * SQLITE_READONLY: told as the storage errors they are (507 / 503, naming the
 * cause) rather than a bare 500. SQLite rolls the statement back itself.
 */
function translatingFaults(statement: KyselyStatement): KyselyStatement {
  const translate = (err: unknown): never => {
    const code = (err as { code?: string })?.code ?? '';
    if (code === 'SQLITE_FULL')
      throw new RegistryError('STORAGE_FULL', 'the database disk is full: free space and retry', undefined, {
        cause: err,
      });
    if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN')
      throw new RegistryError('STORAGE_UNAVAILABLE', `the database cannot be written (${code})`, undefined, {
        cause: err,
      });
    throw err;
  };
  if (statement.reader) return statement;
  return {
    reader: statement.reader,
    all: (...params) => {
      try {
        return statement.all(...params);
      } catch (err) {
        return translate(err);
      }
    },
    run: (...params) => {
      try {
        return statement.run(...params);
      } catch (err) {
        return translate(err);
      }
    },
    iterate: (...params) => statement.iterate(...params),
  };
}
