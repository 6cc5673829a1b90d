/**
 * CatalogQueries and TrafficStore over Kysely: the read side the management
 * API and the console browse with. Portable SQL only (SQLite and PostgreSQL):
 * no dialect functions, LIKE with an explicit escape, paging by LIMIT/OFFSET.
 */

import { type Kysely, sql } from 'kysely';
import type { ManifestRecord } from '../../core/ports.ts';
import type {
  ArtifactFilter,
  ArtifactSortField,
  CatalogQueries,
  DailyTraffic,
  Paged,
  PullBatch,
  RecentPush,
  RegistryStatistics,
  RepositoryFilter,
  RepositorySortField,
  RepositorySummary,
  Slice,
  SortOrder,
  TagInfo,
  TrafficStore,
} from '../../core/ports-catalog.ts';
import {
  type CatalogDatabase,
  chunks,
  escapeLike,
  inProject,
  inProjects,
  like,
  likeLower,
  topLevel,
} from './catalog-sql.ts';
import { addPulls, addTraffic, recentPushes, registryStatistics, trafficSince } from './catalog-statistics.ts';
import { toManifestRecord } from './kysely-store.ts';
import { safeLimit, safeOffset } from './paging.ts';
import type { Database } from './schema.ts';

interface RepositoryRow {
  name: string;
  created_at: string;
  pull_count: number | string | bigint;
  artifact_count: number | string | bigint | null;
  last_push: string | null;
  last_tag: string | null;
}

function toSummary(row: RepositoryRow): RepositorySummary {
  const candidates = [row.created_at, row.last_push, row.last_tag].filter((v): v is string => v !== null);
  return {
    name: row.name,
    artifactCount: Number(row.artifact_count ?? 0),
    createdAt: row.created_at,
    pullCount: Number(row.pull_count),
    // biome-ignore lint/complexity/useMathMinMax: ISO strings, not numbers: the latest sorts last
    updatedAt: candidates.reduce((a, b) => (b > a ? b : a)),
  };
}

export class KyselyCatalog implements CatalogQueries, TrafficStore {
  private readonly db: Kysely<CatalogDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<Pick<CatalogDatabase, 'traffic_daily' | 'repositories' | 'manifests'>>();
  }

  // ------------------------------------------------------------ repositories

  private repositoryRows(filter: RepositoryFilter) {
    let q = this.db.selectFrom('repositories as r').select((eb) => [
      'r.name',
      'r.created_at',
      'r.pull_count',
      eb
        .selectFrom('manifests as m')
        .select((e) => e.fn.countAll<number>().as('c'))
        .whereRef('m.repository', '=', 'r.name')
        .where(topLevel)
        .as('artifact_count'),
      eb
        .selectFrom('manifests as m')
        .select((e) => e.fn.max('m.created_at').as('x'))
        .whereRef('m.repository', '=', 'r.name')
        .as('last_push'),
      eb
        .selectFrom('tags as t')
        .select((e) => e.fn.max('t.updated_at').as('x'))
        .whereRef('t.repository', '=', 'r.name')
        .as('last_tag'),
    ]);
    if (filter.project !== undefined) q = q.where(inProject('r.name', filter.project));
    if (filter.projects !== undefined) q = q.where(inProjects('r.name', filter.projects));
    if (filter.name !== undefined) q = q.where('r.name', '=', filter.name);
    if (filter.nameContains) q = q.where(likeLower('r.name', `%${escapeLike(filter.nameContains)}%`));
    return q;
  }

  async listRepositories(
    filter: RepositoryFilter,
    sort: SortOrder<RepositorySortField>,
    slice: Slice,
  ): Promise<Paged<RepositorySummary>> {
    let count = this.db.selectFrom('repositories as r').select((eb) => eb.fn.countAll<number>().as('n'));
    if (filter.project !== undefined) count = count.where(inProject('r.name', filter.project));
    if (filter.projects !== undefined) count = count.where(inProjects('r.name', filter.projects));
    if (filter.name !== undefined) count = count.where('r.name', '=', filter.name);
    if (filter.nameContains) count = count.where(likeLower('r.name', `%${escapeLike(filter.nameContains)}%`));
    const total = Number((await count.executeTakeFirstOrThrow()).n);

    const direction = sort.descending ? 'desc' : 'asc';
    const orderBy =
      sort.field === 'name'
        ? sql`x.name`
        : sort.field === 'creation_time'
          ? sql`x.created_at`
          : sql`CASE WHEN x.last_tag IS NOT NULL AND (x.last_push IS NULL OR x.last_tag > x.last_push)
                THEN x.last_tag ELSE COALESCE(x.last_push, x.created_at) END`;
    const rows = (await this.db
      .selectFrom(this.repositoryRows(filter).as('x'))
      .selectAll()
      .orderBy(orderBy, direction)
      .orderBy('x.name', 'asc')
      .limit(safeLimit(slice.limit))
      .offset(safeOffset(slice.offset))
      .execute()) as RepositoryRow[];
    return { total, items: rows.map(toSummary) };
  }

  async repositorySummary(name: string): Promise<RepositorySummary | null> {
    const row = (await this.repositoryRows({ name }).executeTakeFirst()) as RepositoryRow | undefined;
    return row ? toSummary(row) : null;
  }

  // ------------------------------------------------------------ artifacts

  async listArtifacts(
    filter: ArtifactFilter,
    sort: SortOrder<ArtifactSortField>,
    slice: Slice,
  ): Promise<Paged<ManifestRecord>> {
    const filtered = () => {
      let q = this.db.selectFrom('manifests as m').where('m.repository', '=', filter.repository);
      if (!filter.all) q = q.where(topLevel);
      if (filter.digestPrefix) q = q.where(like('m.digest', `${escapeLike(filter.digestPrefix)}%`));
      if (filter.tag !== undefined || filter.tagContains) {
        q = q.where((eb) =>
          eb.exists(
            eb
              .selectFrom('tags as t')
              .select(sql.lit(1).as('one'))
              .whereRef('t.repository', '=', 'm.repository')
              .whereRef('t.digest', '=', 'm.digest')
              .where(
                filter.tag !== undefined
                  ? sql<boolean>`t.name = ${filter.tag}`
                  : likeLower('t.name', `%${escapeLike(filter.tagContains ?? '')}%`),
              ),
          ),
        );
      }
      return q;
    };
    const total = Number(
      (
        await filtered()
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const direction = sort.descending ? 'desc' : 'asc';
    const rows = await filtered()
      .selectAll('m')
      .orderBy(sort.field === 'digest' ? 'm.digest' : 'm.created_at', direction)
      .orderBy('m.digest', 'asc')
      .limit(safeLimit(slice.limit))
      .offset(safeOffset(slice.offset))
      .execute();
    return { total, items: rows.map(toManifestRecord) };
  }

  async artifactSizes(repository: string, digests: string[]): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    if (digests.length === 0) return sizes;
    const children = await this.childrenOf(repository, digests);
    const manifestChildren = [...new Set([...children.values()].flat().filter((c) => c.kind === 'manifest'))];
    const grandchildren = await this.childrenOf(
      repository,
      manifestChildren.map((c) => c.digest),
    );
    const all = new Set<string>(digests);
    for (const list of [...children.values(), ...grandchildren.values()]) for (const c of list) all.add(c.digest);
    const blobSize = await this.blobSizes([...all]);
    for (const digest of digests) {
      const counted = new Set<string>([digest]);
      for (const child of children.get(digest) ?? []) {
        counted.add(child.digest);
        for (const grandchild of grandchildren.get(child.digest) ?? []) counted.add(grandchild.digest);
      }
      let total = 0;
      for (const d of counted) total += blobSize.get(d) ?? 0;
      sizes.set(digest, total);
    }
    return sizes;
  }

  private async childrenOf(repository: string, digests: string[]) {
    const out = new Map<string, { digest: string; kind: string }[]>();
    for (const chunk of chunks(digests)) {
      const rows = await this.db
        .selectFrom('manifest_references')
        .select(['manifest', 'child', 'kind'])
        .where('repository', '=', repository)
        .where('manifest', 'in', chunk)
        .execute();
      for (const row of rows) {
        const list = out.get(row.manifest) ?? [];
        list.push({ digest: row.child, kind: row.kind });
        out.set(row.manifest, list);
      }
    }
    return out;
  }

  async pullTimes(repository: string, digests: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const chunk of chunks(digests)) {
      const rows = await this.db
        .selectFrom('manifests')
        .select(['digest', 'pulled_at'])
        .where('repository', '=', repository)
        .where('digest', 'in', chunk)
        .where('pulled_at', 'is not', null)
        .execute();
      for (const row of rows) if (row.pulled_at) out.set(row.digest, row.pulled_at);
    }
    return out;
  }

  async blobSizes(digests: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const chunk of chunks([...new Set(digests)])) {
      const rows = await this.db.selectFrom('blobs').select(['digest', 'size']).where('digest', 'in', chunk).execute();
      for (const row of rows) out.set(row.digest, Number(row.size));
    }
    return out;
  }

  async tagsOf(
    repository: string,
    digests: string[],
    perArtifact: number,
  ): Promise<Map<string, { tags: TagInfo[]; count: number }>> {
    const out = new Map<string, { tags: TagInfo[]; count: number }>();
    for (const chunk of chunks(digests)) {
      const counts = await this.db
        .selectFrom('tags')
        .select((eb) => ['digest', eb.fn.countAll<number>().as('n')])
        .where('repository', '=', repository)
        .where('digest', 'in', chunk)
        .groupBy('digest')
        .execute();
      for (const row of counts) {
        const page = await this.listTags(repository, row.digest, { offset: 0, limit: perArtifact });
        out.set(row.digest, { tags: page.items, count: Number(row.n) });
      }
    }
    return out;
  }

  async listTags(repository: string, digest: string, slice: Slice): Promise<Paged<TagInfo>> {
    const where = this.db.selectFrom('tags').where('repository', '=', repository).where('digest', '=', digest);
    const total = Number((await where.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await where
      .select(['name', 'digest', 'updated_at'])
      .orderBy('name')
      .limit(safeLimit(slice.limit))
      .offset(safeOffset(slice.offset))
      .execute();
    return { total, items: rows.map((r) => ({ name: r.name, digest: r.digest, updatedAt: r.updated_at })) };
  }

  async referrerCounts(repository: string, digests: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const chunk of chunks(digests)) {
      const rows = await this.db
        .selectFrom('manifests')
        .select((eb) => ['subject', eb.fn.countAll<number>().as('n')])
        .where('repository', '=', repository)
        .where('subject', 'in', chunk)
        .groupBy('subject')
        .execute();
      for (const row of rows) if (row.subject) out.set(row.subject, Number(row.n));
    }
    return out;
  }
  // ------------------------------------------------------------ statistics and traffic

  statistics(projects?: readonly string[]): Promise<RegistryStatistics> {
    return registryStatistics(this.db, projects);
  }

  recentPushes(limit: number, projects?: readonly string[]): Promise<RecentPush[]> {
    return recentPushes(this.db, limit, projects);
  }

  addTraffic(entries: DailyTraffic[]): Promise<void> {
    return addTraffic(this.db, entries);
  }

  addPulls(batch: PullBatch): Promise<void> {
    return addPulls(this.db, batch);
  }

  traffic(fromDay: string): Promise<DailyTraffic[]> {
    return trafficSince(this.db, fromDay);
  }
}
