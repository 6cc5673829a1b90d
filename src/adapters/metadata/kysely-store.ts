/**
 * MetadataStore over Kysely, shared by the SQLite and PostgreSQL dialects.
 * Dialect adapters subclass it to set up connections and may override the
 * hot reads with prepared statements.
 */

import { type Kysely, Migrator, sql } from 'kysely';
import type {
  ManifestRecord,
  ManifestReference,
  MetadataStore,
  Page,
  UploadRecord,
  UploadState,
} from '../../core/ports.ts';
import { type ChangeFeed, noChangeFeed } from './access-read-cache.ts';
import { KyselyJobQueue } from './jobs.ts';
import { type Dialect, migrationProvider } from './migrations.ts';
import type { Database } from './schema.ts';

type ManifestRow = Database['manifests'];

export function toManifestRecord(row: ManifestRow): ManifestRecord {
  return {
    digest: row.digest,
    mediaType: row.media_type,
    size: Number(row.size),
    artifactType: row.artifact_type,
    subject: row.subject,
    configDigest: row.config_digest,
    annotations: row.annotations,
    createdAt: row.created_at,
  };
}

const now = () => new Date().toISOString();
const PAGE = 1000;

export class KyselyStore implements MetadataStore {
  /** Background jobs share the store's database. */
  readonly jobs: KyselyJobQueue;

  constructor(
    readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {
    this.jobs = new KyselyJobQueue(db, dialect);
  }

  /** How this store tells the identity read cache that another process or node wrote; by default it cannot. */
  identityChanges(): ChangeFeed {
    return noChangeFeed;
  }

  async migrate(): Promise<void> {
    if (await this.upToDate()) return;
    // Features add migrations independently, so a newer one may sort before one already applied.
    const migrator = new Migrator({
      db: this.db,
      provider: migrationProvider(this.dialect),
      allowUnorderedMigrations: true,
    });
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error || failed) throw new Error(`migration ${failed?.migrationName ?? ''} failed`, { cause: error });
  }

  /**
   * Whether every known migration is recorded already (the usual start): one
   * query instead of Kysely's Migrator, which lists every table and column of
   * the database before it looks (~10% of a start on existing data,
   * bench/FINDINGS.md). Any doubt, the table missing included, says no.
   */
  private async upToDate(): Promise<boolean> {
    try {
      const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(this.db);
      const applied = new Set(rows.map((r) => r.name));
      return Object.keys(await migrationProvider(this.dialect).getMigrations()).every((name) => applied.has(name));
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  // ------------------------------------------------------------ repositories

  async ensureRepository(name: string): Promise<void> {
    await this.db
      .insertInto('repositories')
      .values({ name, created_at: now() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  }

  async repositoryExists(name: string): Promise<boolean> {
    const row = await this.db.selectFrom('repositories').select('name').where('name', '=', name).executeTakeFirst();
    return row !== undefined;
  }

  async listRepositories(page: Page): Promise<string[]> {
    let q = this.db.selectFrom('repositories').select('name').orderBy('name');
    if (page.last !== undefined) q = q.where('name', '>', page.last);
    if (page.n !== undefined) q = q.limit(page.n);
    return (await q.execute()).map((r) => r.name);
  }

  async deleteRepository(name: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      for (const table of ['tags', 'manifest_references', 'manifests', 'repository_blobs', 'uploads'] as const) {
        await trx.deleteFrom(table).where('repository', '=', name).execute();
      }
      const res = await trx.deleteFrom('repositories').where('name', '=', name).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  // ------------------------------------------------------------ blobs

  async recordBlob(digest: string, size: number): Promise<void> {
    await this.db
      .insertInto('blobs')
      .values({ digest, size, created_at: now() })
      .onConflict((oc) => oc.column('digest').doNothing())
      .execute();
  }

  async repositoryBlobSize(repository: string, digest: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('repository_blobs as rb')
      .innerJoin('blobs as b', 'b.digest', 'rb.digest')
      .select('b.size')
      .where('rb.repository', '=', repository)
      .where('rb.digest', '=', digest)
      .executeTakeFirst();
    return row ? Number(row.size) : null;
  }

  async blobSize(digest: string): Promise<number | null> {
    const row = await this.db.selectFrom('blobs').select('size').where('digest', '=', digest).executeTakeFirst();
    return row ? Number(row.size) : null;
  }

  async linkBlob(repository: string, digest: string): Promise<void> {
    await this.db
      .insertInto('repository_blobs')
      .values({ repository, digest, created_at: now() })
      .onConflict((oc) => oc.columns(['repository', 'digest']).doNothing())
      .execute();
  }

  async blobReferencedBy(repository: string, digest: string): Promise<string | null> {
    const ref = await this.db
      .selectFrom('manifest_references')
      .select('manifest')
      .where('repository', '=', repository)
      .where('child', '=', digest)
      .limit(1)
      .executeTakeFirst();
    if (ref) return ref.manifest;
    const config = await this.db
      .selectFrom('manifests')
      .select('digest')
      .where('repository', '=', repository)
      .where('config_digest', '=', digest)
      .limit(1)
      .executeTakeFirst();
    return config?.digest ?? null;
  }

  async unlinkBlob(repository: string, digest: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('repository_blobs')
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  missingBlobs(repository: string, digests: string[]): Promise<string[]> {
    return this.missingFrom('repository_blobs', repository, digests);
  }

  /** Of `digests`, those without a row of `repository` in `table`. */
  private async missingFrom(
    table: 'repository_blobs' | 'manifests',
    repository: string,
    digests: string[],
  ): Promise<string[]> {
    if (digests.length === 0) return [];
    const rows = await this.db
      .selectFrom(table)
      .select('digest')
      .where('repository', '=', repository)
      .where('digest', 'in', digests)
      .execute();
    const present = new Set(rows.map((r) => r.digest));
    return digests.filter((d) => !present.has(d));
  }

  async *allBlobs(): AsyncIterable<{ digest: string; size: number }> {
    let last = '';
    for (;;) {
      const rows = await this.db
        .selectFrom('blobs')
        .select(['digest', 'size'])
        .where('digest', '>', last)
        .orderBy('digest')
        .limit(PAGE)
        .execute();
      for (const row of rows) yield { digest: row.digest, size: Number(row.size) };
      if (rows.length < PAGE) return;
      last = rows[rows.length - 1].digest;
    }
  }

  async forgetBlob(digest: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('repository_blobs').where('digest', '=', digest).execute();
      await trx.deleteFrom('blobs').where('digest', '=', digest).execute();
    });
  }

  // ------------------------------------------------------------ manifests

  async manifestByDigest(repository: string, digest: string): Promise<ManifestRecord | null> {
    const row = await this.db
      .selectFrom('manifests')
      .selectAll()
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .executeTakeFirst();
    return row ? toManifestRecord(row) : null;
  }

  async manifestByTag(repository: string, tag: string): Promise<ManifestRecord | null> {
    const row = await this.db
      .selectFrom('tags as t')
      .innerJoin('manifests as m', (j) =>
        j.onRef('m.repository', '=', 't.repository').onRef('m.digest', '=', 't.digest'),
      )
      .selectAll('m')
      .where('t.repository', '=', repository)
      .where('t.name', '=', tag)
      .executeTakeFirst();
    return row ? toManifestRecord(row) : null;
  }

  missingManifests(repository: string, digests: string[]): Promise<string[]> {
    return this.missingFrom('manifests', repository, digests);
  }

  async putManifest(repository: string, m: ManifestRecord, refs: ManifestReference[], tag?: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('manifests')
        .values({
          repository,
          digest: m.digest,
          media_type: m.mediaType,
          size: m.size,
          artifact_type: m.artifactType,
          subject: m.subject,
          config_digest: m.configDigest,
          annotations: m.annotations,
          created_at: m.createdAt,
        })
        .onConflict((oc) => oc.columns(['repository', 'digest']).doNothing())
        .execute();
      if (refs.length > 0) {
        await trx
          .insertInto('manifest_references')
          .values(refs.map((r) => ({ repository, manifest: m.digest, child: r.digest, kind: r.kind })))
          .onConflict((oc) => oc.columns(['repository', 'manifest', 'child']).doNothing())
          .execute();
      }
      if (tag !== undefined) {
        await trx
          .insertInto('tags')
          .values({ repository, name: tag, digest: m.digest, updated_at: m.createdAt })
          .onConflict((oc) =>
            oc.columns(['repository', 'name']).doUpdateSet({ digest: m.digest, updated_at: m.createdAt }),
          )
          .execute();
      }
    });
  }

  async deleteManifest(repository: string, digest: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .deleteFrom('manifests')
        .where('repository', '=', repository)
        .where('digest', '=', digest)
        .executeTakeFirst();
      await trx
        .deleteFrom('manifest_references')
        .where('repository', '=', repository)
        .where('manifest', '=', digest)
        .execute();
      await trx.deleteFrom('tags').where('repository', '=', repository).where('digest', '=', digest).execute();
      return Number(res.numDeletedRows) > 0;
    });
  }

  async deleteTag(repository: string, tag: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('tags')
      .where('repository', '=', repository)
      .where('name', '=', tag)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async listTags(repository: string, page: Page): Promise<string[]> {
    let q = this.db.selectFrom('tags').select('name').where('repository', '=', repository).orderBy('name');
    if (page.last !== undefined) q = q.where('name', '>', page.last);
    if (page.n !== undefined) q = q.limit(page.n);
    return (await q.execute()).map((r) => r.name);
  }

  async tagsOf(repository: string, digest: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('tags')
      .select('name')
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .orderBy('name')
      .execute();
    return rows.map((r) => r.name);
  }

  async referrers(repository: string, digest: string): Promise<ManifestRecord[]> {
    const rows = await this.db
      .selectFrom('manifests')
      .selectAll()
      .where('repository', '=', repository)
      .where('subject', '=', digest)
      .orderBy('created_at')
      .execute();
    return rows.map(toManifestRecord);
  }

  async references(repository: string, digest: string): Promise<ManifestReference[]> {
    const rows = await this.db
      .selectFrom('manifest_references')
      .select(['child', 'kind'])
      .where('repository', '=', repository)
      .where('manifest', '=', digest)
      .execute();
    return rows.map((r) => ({ digest: r.child, kind: r.kind as ManifestReference['kind'] }));
  }

  async *allManifests(): AsyncIterable<{ repository: string; manifest: ManifestRecord }> {
    let last = { repository: '', digest: '' };
    for (;;) {
      const rows = await this.db
        .selectFrom('manifests')
        .selectAll()
        .where((eb) =>
          eb.or([
            eb('repository', '>', last.repository),
            eb.and([eb('repository', '=', last.repository), eb('digest', '>', last.digest)]),
          ]),
        )
        .orderBy('repository')
        .orderBy('digest')
        .limit(PAGE)
        .execute();
      for (const row of rows) yield { repository: row.repository, manifest: toManifestRecord(row) };
      if (rows.length < PAGE) return;
      const tail = rows[rows.length - 1];
      last = { repository: tail.repository, digest: tail.digest };
    }
  }

  // ------------------------------------------------------------ uploads

  async createUpload(u: UploadRecord): Promise<void> {
    await this.db
      .insertInto('uploads')
      .values({
        id: u.id,
        repository: u.repository,
        size: u.size,
        state: JSON.stringify(u.state),
        created_at: u.createdAt,
        updated_at: u.updatedAt,
      })
      .execute();
  }

  async getUpload(id: string): Promise<UploadRecord | null> {
    const row = await this.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUploadRecord(row) : null;
  }

  async updateUpload(id: string, size: number, state: UploadState): Promise<void> {
    await this.db
      .updateTable('uploads')
      .set({ size, state: JSON.stringify(state), updated_at: now() })
      .where('id', '=', id)
      .execute();
  }

  async deleteUpload(id: string): Promise<void> {
    await this.db.deleteFrom('uploads').where('id', '=', id).execute();
  }

  async listUploads(): Promise<UploadRecord[]> {
    return (await this.db.selectFrom('uploads').selectAll().orderBy('created_at').execute()).map(toUploadRecord);
  }
}

function toUploadRecord(row: Database['uploads']): UploadRecord {
  return {
    id: row.id,
    repository: row.repository,
    size: Number(row.size),
    state: JSON.parse(row.state) as UploadState,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
