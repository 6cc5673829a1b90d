/**
 * JobQueue over the jobs table. On PostgreSQL the claim skips rows another
 * node is claiming (FOR UPDATE SKIP LOCKED); SQLite has one writer at a time,
 * so the same single UPDATE … RETURNING is already atomic there.
 */
import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Job, JobInfo, JobQueue, JobStatus } from '../../core/jobs.ts';
import type { Dialect } from './migrations.ts';
import type { Database } from './schema.ts';

const iso = (ms: number) => new Date(ms).toISOString();

export class KyselyJobQueue implements JobQueue {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  async enqueue(kind: string, payload: unknown, options: { runAt?: Date; maxAttempts?: number } = {}): Promise<string> {
    const id = randomUUID();
    const now = new Date().toISOString();
    await this.db
      .insertInto('jobs')
      .values({
        id,
        kind,
        payload: JSON.stringify(payload ?? null),
        status: 'queued',
        attempts: 0,
        max_attempts: options.maxAttempts ?? 5,
        run_at: (options.runAt ?? new Date()).toISOString(),
        owner: null,
        lease_until: null,
        last_error: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return id;
  }

  async claim(owner: string, kinds: string[], leaseMs: number): Promise<Job | null> {
    if (kinds.length === 0) return null;
    const now = Date.now();
    const lock = this.dialect === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
    const result = await sql<Database['jobs']>`
      UPDATE jobs SET status = 'running', owner = ${owner}, lease_until = ${iso(now + leaseMs)},
        attempts = attempts + 1, updated_at = ${iso(now)}
      WHERE id = (
        SELECT id FROM jobs
        WHERE kind IN (${sql.join(kinds)})
          AND ((status = 'queued' AND run_at <= ${iso(now)}) OR (status = 'running' AND lease_until < ${iso(now)}))
        ORDER BY run_at, created_at
        LIMIT 1 ${lock})
      RETURNING *`.execute(this.db);
    const row = result.rows[0];
    if (!row) return null;
    return {
      id: row.id,
      kind: row.kind,
      payload: JSON.parse(row.payload),
      attempts: Number(row.attempts),
      owner,
      leaseUntil: row.lease_until as string,
    };
  }

  async extend(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const res = await this.db
      .updateTable('jobs')
      .set({ lease_until: iso(Date.now() + leaseMs), updated_at: iso(Date.now()) })
      .where('id', '=', id)
      .where('owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async complete(id: string, owner: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ status: 'done', lease_until: null, updated_at: iso(Date.now()) })
      .where('id', '=', id)
      .where('owner', '=', owner)
      .execute();
  }

  async fail(id: string, owner: string, error: string, retryAt?: Date): Promise<void> {
    const row = await this.db
      .selectFrom('jobs')
      .select(['attempts', 'max_attempts'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return;
    const exhausted = Number(row.attempts) >= Number(row.max_attempts);
    await this.db
      .updateTable('jobs')
      .set({
        status: exhausted ? 'failed' : 'queued',
        run_at: (retryAt ?? new Date()).toISOString(),
        owner: null,
        lease_until: null,
        last_error: error.slice(0, 2000),
        updated_at: iso(Date.now()),
      })
      .where('id', '=', id)
      .where('owner', '=', owner)
      .execute();
  }

  async info(id: string): Promise<JobInfo | null> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    return {
      id: row.id,
      kind: row.kind,
      status: row.status as JobStatus,
      attempts: Number(row.attempts),
      lastError: row.last_error,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}
