/**
 * GcStore over Kysely (SQLite and PostgreSQL): runs, the mark queries and
 * the three-step forgetting of blobs with tombstones (see
 * src/features/lifecycle/gc-collector.ts for why the steps are in this order).
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type {
  BlobRow,
  GcCounts,
  GcParameters,
  GcRun,
  GcStatus,
  GcStore,
  ManifestNode,
  Schedule,
} from '../../features/lifecycle/ports.ts';

type Row = Record<string, unknown>;
const now = () => new Date().toISOString();
const n = (v: unknown) => Number(v ?? 0);

function toRun(r: Row): GcRun {
  return {
    id: n(r.id),
    status: r.status as GcStatus,
    trigger: r.trigger as GcRun['trigger'],
    parameters: JSON.parse(r.parameters as string) as GcParameters,
    blobsDeleted: n(r.blobs_deleted),
    bytesFreed: n(r.bytes_freed),
    manifestsDeleted: n(r.manifests_deleted),
    uploadsPurged: n(r.uploads_purged),
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

const RUN_COLUMNS = sql`id, status, trigger, parameters, blobs_deleted, bytes_freed, manifests_deleted, uploads_purged, created_at, updated_at`;

/** Intents older than this are left by a crashed push and no longer protect anything. */
export const INTENT_TTL_MS = 10 * 60_000;
const liveIntents = () => new Date(Date.now() - INTENT_TTL_MS).toISOString();

/**
 * A blob no manifest anywhere names, older than the cutoff, with no link made
 * since and no manifest push in progress naming it.
 */
const unreferenced = (cutoff: string) => sql`
  b.created_at < ${cutoff}
  AND NOT EXISTS (SELECT 1 FROM manifest_references r WHERE r.child = b.digest)
  AND NOT EXISTS (SELECT 1 FROM manifests m WHERE m.digest = b.digest)
  AND NOT EXISTS (SELECT 1 FROM repository_blobs l WHERE l.digest = b.digest AND l.created_at >= ${cutoff})
  AND NOT EXISTS (SELECT 1 FROM gc_intents i WHERE i.digest = b.digest AND i.created_at >= ${liveIntents()})`;

const list = (values: string[]): RawBuilder<unknown> => sql.join(values.map((v) => sql`${v}`));

export class KyselyGcStore implements GcStore {
  // biome-ignore lint/suspicious/noExplicitAny: the lifecycle tables are typed by their rows here
  constructor(private readonly db: Kysely<any>) {}

  // biome-ignore lint/suspicious/noExplicitAny: any database holding the lifecycle tables
  static over(db: Kysely<any>): KyselyGcStore {
    return new KyselyGcStore(db);
  }

  // biome-ignore lint/suspicious/noExplicitAny: a transaction or the database
  private async rows(query: RawBuilder<unknown>, db: Kysely<any> = this.db): Promise<Row[]> {
    return (await query.execute(db)).rows as Row[];
  }

  async createRun(trigger: GcRun['trigger'], parameters: GcParameters): Promise<GcRun | null> {
    return this.db.transaction().execute(async (trx) => {
      const at = now();
      // One statement: the insert happens only when no run is active (atomic on both dialects).
      const rows = await this.rows(
        sql`INSERT INTO gc_runs (status, trigger, parameters, log, created_at, updated_at)
            SELECT 'Pending', ${trigger}, ${JSON.stringify(parameters)}, '', ${at}, ${at}
            WHERE NOT EXISTS (SELECT 1 FROM gc_runs WHERE status IN ('Pending', 'Running'))
            RETURNING ${RUN_COLUMNS}`,
        trx,
      );
      return rows[0] ? toRun(rows[0]) : null;
    });
  }

  async run(id: number): Promise<GcRun | null> {
    const rows = await this.rows(sql`SELECT ${RUN_COLUMNS} FROM gc_runs WHERE id = ${id}`);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async listRuns(offset: number, limit: number): Promise<{ items: GcRun[]; total: number }> {
    const rows = await this.rows(
      sql`SELECT ${RUN_COLUMNS} FROM gc_runs ORDER BY id DESC LIMIT ${limit} OFFSET ${offset}`,
    );
    const total = await this.rows(sql`SELECT count(*) AS c FROM gc_runs`);
    return { items: rows.map(toRun), total: n(total[0]?.c) };
  }

  async activeRun(): Promise<GcRun | null> {
    const rows = await this.rows(
      sql`SELECT ${RUN_COLUMNS} FROM gc_runs WHERE status IN ('Pending', 'Running') ORDER BY id LIMIT 1`,
    );
    return rows[0] ? toRun(rows[0]) : null;
  }

  async setStatus(id: number, status: GcStatus): Promise<void> {
    await sql`UPDATE gc_runs SET status = ${status}, updated_at = ${now()} WHERE id = ${id}`.execute(this.db);
  }

  async addCounts(id: number, c: Partial<GcCounts>): Promise<void> {
    await sql`UPDATE gc_runs SET blobs_deleted = blobs_deleted + ${c.blobsDeleted ?? 0},
      bytes_freed = bytes_freed + ${c.bytesFreed ?? 0},
      manifests_deleted = manifests_deleted + ${c.manifestsDeleted ?? 0},
      uploads_purged = uploads_purged + ${c.uploadsPurged ?? 0}, updated_at = ${now()}
      WHERE id = ${id}`.execute(this.db);
  }

  async appendLog(id: number, text: string): Promise<void> {
    if (text === '') return;
    await sql`UPDATE gc_runs SET log = log || ${text}, updated_at = ${now()} WHERE id = ${id}`.execute(this.db);
  }

  async log(id: number): Promise<string | null> {
    const rows = await this.rows(sql`SELECT log FROM gc_runs WHERE id = ${id}`);
    return rows[0] ? (rows[0].log as string) : null;
  }

  // ------------------------------------------------------------ mark

  async manifestNodes(): Promise<ManifestNode[]> {
    const rows = await this.rows(sql`SELECT repository, digest, subject, created_at FROM manifests`);
    return rows.map((r) => ({
      repository: r.repository as string,
      digest: r.digest as string,
      subject: (r.subject as string | null) ?? null,
      createdAt: r.created_at as string,
    }));
  }

  async manifestEdges(): Promise<[string, string, string][]> {
    const rows = await this.rows(
      sql`SELECT repository, manifest, child FROM manifest_references WHERE kind = 'manifest'`,
    );
    return rows.map((r) => [r.repository as string, r.manifest as string, r.child as string]);
  }

  async tagged(): Promise<[string, string][]> {
    const rows = await this.rows(sql`SELECT repository, digest FROM tags`);
    return rows.map((r) => [r.repository as string, r.digest as string]);
  }

  async historyKept(keep: number): Promise<[string, string][]> {
    if (keep <= 0) return [];
    const rows = await this.rows(sql`
      SELECT repository, digest FROM (
        SELECT repository, digest, operation,
          ROW_NUMBER() OVER (PARTITION BY repository, tag ORDER BY at DESC, id DESC) AS k
        FROM tag_history) h
      WHERE k <= ${keep} AND operation <> 'delete'`);
    return rows.map((r) => [r.repository as string, r.digest as string]);
  }

  async deleteManifestIfUnreachable(repository: string, digest: string, cutoff: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await sql`DELETE FROM manifests WHERE repository = ${repository} AND digest = ${digest}
          AND created_at < ${cutoff}
          AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.repository = ${repository} AND t.digest = ${digest})
          AND NOT EXISTS (SELECT 1 FROM manifest_references r WHERE r.repository = ${repository} AND r.child = ${digest})
          AND NOT EXISTS (SELECT 1 FROM gc_intents i WHERE i.digest = ${digest} AND i.created_at >= ${liveIntents()})`.execute(
        trx,
      );
      if (Number(res.numAffectedRows ?? 0) === 0) return false;
      await sql`DELETE FROM manifest_references WHERE repository = ${repository} AND manifest = ${digest}`.execute(trx);
      return true;
    });
  }

  async countBlobCandidates(cutoff: string): Promise<{ count: number; bytes: number }> {
    const rows = await this.rows(
      sql`SELECT count(*) AS c, coalesce(sum(b.size), 0) AS s FROM blobs b WHERE ${unreferenced(cutoff)}`,
    );
    return { count: n(rows[0]?.c), bytes: n(rows[0]?.s) };
  }

  async blobCandidates(cutoff: string, after: string, limit: number): Promise<BlobRow[]> {
    const rows = await this.rows(sql`SELECT b.digest, b.size FROM blobs b
      WHERE b.digest > ${after} AND ${unreferenced(cutoff)} ORDER BY b.digest LIMIT ${limit}`);
    return rows.map((r) => ({ digest: r.digest as string, size: n(r.size) }));
  }

  // ------------------------------------------------------------ sweep

  async tombstone(runId: number, blobs: BlobRow[]): Promise<void> {
    if (blobs.length === 0) return;
    const at = now();
    await this.db
      .insertInto('gc_tombstones')
      .values(blobs.map((b) => ({ digest: b.digest, run_id: runId, size: b.size, deleted: 0, created_at: at })))
      .onConflict((oc) => oc.column('digest').doNothing())
      .execute();
  }

  async forgetUnreferenced(digests: string[], cutoff: string): Promise<BlobRow[]> {
    if (digests.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const gone = (
        await this.rows(
          sql`DELETE FROM blobs WHERE digest IN (${list(digests)}) AND digest IN (
                SELECT b.digest FROM blobs b WHERE b.digest IN (${list(digests)}) AND ${unreferenced(cutoff)})
              RETURNING digest, size`,
          trx,
        )
      ).map((r) => ({ digest: r.digest as string, size: n(r.size) }));
      const goneDigests = gone.map((b) => b.digest);
      if (goneDigests.length > 0) {
        await sql`DELETE FROM repository_blobs WHERE digest IN (${list(goneDigests)})`.execute(trx);
        await sql`UPDATE gc_tombstones SET deleted = 1 WHERE digest IN (${list(goneDigests)})`.execute(trx);
      }
      await sql`DELETE FROM gc_tombstones WHERE digest IN (${list(digests)}) AND deleted = 0`.execute(trx);
      return gone;
    });
  }

  async clearTombstones(digests: string[]): Promise<void> {
    if (digests.length === 0) return;
    await sql`DELETE FROM gc_tombstones WHERE digest IN (${list(digests)})`.execute(this.db);
  }

  async leftoverTombstones(): Promise<(BlobRow & { deleted: boolean })[]> {
    const rows = await this.rows(sql`SELECT digest, size, deleted FROM gc_tombstones`);
    return rows.map((r) => ({ digest: r.digest as string, size: n(r.size), deleted: n(r.deleted) === 1 }));
  }

  async isTombstoned(digests: string[]): Promise<string[]> {
    if (digests.length === 0) return [];
    const rows = await this.rows(sql`SELECT digest FROM gc_tombstones WHERE digest IN (${list(digests)})`);
    return rows.map((r) => r.digest as string);
  }

  async addIntent(digests: string[]): Promise<number[]> {
    if (digests.length === 0) return [];
    const at = now();
    const rows = await this.db
      .insertInto('gc_intents')
      .values(digests.map((digest) => ({ digest, created_at: at })))
      .returning('id')
      .execute();
    return rows.map((r: { id: unknown }) => Number(r.id));
  }

  async dropIntent(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await sql`DELETE FROM gc_intents WHERE id IN (${sql.join(ids.map((id) => sql`${id}`))})
      OR created_at < ${liveIntents()}`.execute(this.db);
  }

  async blobsRecorded(digests: string[]): Promise<string[]> {
    if (digests.length === 0) return [];
    const rows = await this.rows(sql`SELECT digest FROM blobs WHERE digest IN (${list(digests)})`);
    return rows.map((r) => r.digest as string);
  }

  // ------------------------------------------------------------ schedules

  private toSchedule(r: Row): Schedule {
    return {
      name: r.name as string,
      type: r.type as string,
      cron: r.cron as string,
      parameters: JSON.parse(r.parameters as string),
      lastFired: (r.last_fired as string | null) ?? null,
      updatedAt: r.updated_at as string,
    };
  }

  async schedule(name: string): Promise<Schedule | null> {
    const rows = await this.rows(sql`SELECT * FROM lifecycle_schedules WHERE name = ${name}`);
    return rows[0] ? this.toSchedule(rows[0]) : null;
  }

  async schedules(): Promise<Schedule[]> {
    return (await this.rows(sql`SELECT * FROM lifecycle_schedules`)).map((r) => this.toSchedule(r));
  }

  async setSchedule(name: string, type: string, cron: string, parameters: Record<string, unknown>): Promise<void> {
    const at = now();
    await this.db
      .insertInto('lifecycle_schedules')
      .values({ name, type, cron, parameters: JSON.stringify(parameters), last_fired: null, updated_at: at })
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({ type, cron, parameters: JSON.stringify(parameters), updated_at: at }),
      )
      .execute();
  }

  async deleteSchedule(name: string): Promise<void> {
    await sql`DELETE FROM lifecycle_schedules WHERE name = ${name}`.execute(this.db);
  }

  async claimFiring(name: string, minute: string): Promise<boolean> {
    const res = await sql`UPDATE lifecycle_schedules SET last_fired = ${minute}
      WHERE name = ${name} AND (last_fired IS NULL OR last_fired < ${minute})`.execute(this.db);
    return Number(res.numAffectedRows ?? 0) > 0;
  }
}
