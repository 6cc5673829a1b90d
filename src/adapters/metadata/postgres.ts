/**
 * The metadata store for several nodes: PostgreSQL through Kysely and pg.
 * Same tables and migrations as SQLite; every node shares one database.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { KyselyStore } from './kysely-store.ts';
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

export class PostgresStore extends KyselyStore {
  /** Connects and brings the schema up to date (the migrator takes a lock, so nodes may start together). */
  static async open(options: PostgresOptions): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    // An idle connection the server drops (restart, failover) is discarded and
    // replaced on next use; without a listener its error would end the process.
    pool.on('error', (err) => options.onIdleError?.(err));
    const store = new PostgresStore(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), 'postgres');
    await store.migrate();
    return store;
  }
}
