/**
 * Identity changes across nodes on PostgreSQL: every node LISTENs on one
 * channel and a node that writes identities NOTIFYs it, so the other nodes'
 * read caches (access-read-cache.ts) drop their answers within milliseconds.
 * While the listening connection is down, `version()` changes on every call:
 * nothing is served from memory until it is back.
 */
import pg from 'pg';
import type { ChangeFeed } from './access-read-cache.ts';

const CHANNEL = 'berth_identity';

export class PgChangeFeed implements ChangeFeed {
  private counter = 0;
  private listening = false;
  private client: pg.Client | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  async start(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', () => {
      this.counter++;
    });
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.listening = false;
      this.client = null;
      if (err) this.onError(err);
      client.end().catch(() => {});
      if (!this.closed) this.retry = setTimeout(() => void this.start().catch(() => {}), 1000).unref();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.counter++;
      this.listening = true;
    } catch (err) {
      lost(err as Error);
    }
  }

  version(): unknown {
    return this.listening ? this.counter : Symbol();
  }

  async announce(): Promise<void> {
    await this.pool.query(`NOTIFY ${CHANNEL}`).catch((err) => this.onError(err as Error));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    this.listening = false;
    await client?.end().catch(() => {});
  }
}
