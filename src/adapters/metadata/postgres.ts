/**
 * The metadata store for several nodes: PostgreSQL through Kysely and pg.
 * Same tables and migrations as SQLite; every node shares one database. The
 * manifest and blob reads on the pull path skip Kysely's query building and
 * run as named prepared statements (parsed and planned once per connection).
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { RegistryError } from '../../core/errors.ts';
import type { ManifestRecord } from '../../core/ports.ts';
import type { ChangeFeed } from './access-read-cache.ts';
import { KyselyStore, toManifestRecord } from './kysely-store.ts';
import { PgChangeFeed } from './pg-change-feed.ts';
import type { Database } from './schema.ts';

// Sizes are bigint columns: read them as numbers (blobs stay far below 2^53).
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface PostgresOptions {
  /** postgres://user@host:port/db */
  url: string;
  /** Connections per node. */
  poolSize?: number;
  /** Told when an idle pooled connection fails. */
  onIdleError?: (err: Error) => void;
}

const MANIFEST_BY_TAG = `SELECT m.* FROM tags t JOIN manifests m ON m.repository = t.repository AND m.digest = t.digest
  WHERE t.repository = $1 AND t.name = $2`;
const MANIFEST_BY_DIGEST = 'SELECT * FROM manifests WHERE repository = $1 AND digest = $2';
const BLOB_IN_REPOSITORY = `SELECT b.size FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest
  WHERE rb.repository = $1 AND rb.digest = $2`;

/**
 * PostgreSQL refuses some values SQLite takes (a NUL in text, an integer
 * beyond the column's range) with a "data exception" (SQLSTATE class 22).
 * No stored row can hold such a value, so they are the caller's bad input:
 * a 400 naming the problem, on every query, instead of a 500.
 */
export function translateDataException(err: unknown): never {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('22'))
    throw new RegistryError(
      'INPUT_INVALID',
      `the request holds a value the database cannot store or compare: ${(err as Error).message}`,
      undefined,
      { cause: err },
    );
  throw err;
}

const TRANSLATING = Symbol('berth.translating');

/** Every client the pool hands out to Kysely translates data exceptions (pool.query's own, with a callback, is left alone). */
function translatingPool(pool: pg.Pool): pg.Pool {
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient> | undefined;
  const wrap = (client: pg.PoolClient & { [TRANSLATING]?: true }) => {
    if (!client[TRANSLATING]) {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const result = query(...args);
        return result instanceof Promise ? result.catch(translateDataException) : result;
      };
      client[TRANSLATING] = true;
    }
    return client;
  };
  (pool as unknown as { connect: (callback?: unknown) => unknown }).connect = (callback?: unknown) =>
    typeof callback === 'function' ? connect(callback) : (connect() as Promise<pg.PoolClient>).then(wrap);
  return pool;
}

export class PostgresStore extends KyselyStore {
  private feed: PgChangeFeed | null = null;

  private constructor(
    db: Kysely<Database>,
    private readonly pool: pg.Pool,
    private readonly options: PostgresOptions,
  ) {
    super(db, 'postgres');
  }

  /** LISTEN/NOTIFY between nodes (pg-change-feed.ts); started on first use. */
  override identityChanges(): ChangeFeed {
    if (!this.feed) {
      this.feed = new PgChangeFeed(this.options.url, this.pool, this.options.onIdleError);
      void this.feed.start();
    }
    return this.feed;
  }

  override async close(): Promise<void> {
    await this.feed?.close();
    await super.close();
  }

  /** Connects and brings the schema up to date (the migrator takes a lock, so nodes may start together). */
  static async open(options: PostgresOptions): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    // An idle connection the server drops (restart, failover) is discarded and
    // replaced on next use; without a listener its error would end the process.
    pool.on('error', (err) => options.onIdleError?.(err));
    const store = new PostgresStore(
      new Kysely<Database>({ dialect: new PostgresDialect({ pool: translatingPool(pool) }) }),
      pool,
      options,
    );
    await store.migrate();
    return store;
  }

  private async first<T>(name: string, text: string, values: string[]): Promise<T | undefined> {
    const result = await this.pool.query({ name, text, values }).catch(translateDataException);
    return result.rows[0] as T | undefined;
  }

  override async manifestByTag(repository: string, tag: string): Promise<ManifestRecord | null> {
    const row = await this.first<Database['manifests']>('berth_manifest_by_tag', MANIFEST_BY_TAG, [repository, tag]);
    return row ? toManifestRecord(row) : null;
  }

  override async manifestByDigest(repository: string, digest: string): Promise<ManifestRecord | null> {
    const row = await this.first<Database['manifests']>('berth_manifest_by_digest', MANIFEST_BY_DIGEST, [
      repository,
      digest,
    ]);
    return row ? toManifestRecord(row) : null;
  }

  override async repositoryBlobSize(repository: string, digest: string): Promise<number | null> {
    const row = await this.first<{ size: number }>('berth_blob_in_repository', BLOB_IN_REPOSITORY, [
      repository,
      digest,
    ]);
    return row ? row.size : null;
  }
}
