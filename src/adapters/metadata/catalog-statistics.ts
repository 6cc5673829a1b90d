/**
 * Registry-wide numbers for the dashboard: counts and storage (in total and
 * per project), the latest pushes, and the daily push/pull counters. Counts,
 * storage and pushes may be limited to the projects a caller may see.
 */
import { type Kysely, sql } from 'kysely';
import { projectOf } from '../../core/names.ts';
import type {
  DailyTraffic,
  ProjectUsage,
  PullBatch,
  RecentPush,
  RegistryStatistics,
} from '../../core/ports-catalog.ts';
import { type CatalogDatabase, inProject, inProjects, topLevel } from './catalog-sql.ts';

/** Repositories in scope: every one, or those of the given projects. */
function scoped(column: string, projects: readonly string[] | undefined) {
  return projects === undefined ? sql<boolean>`1 = 1` : inProjects(column, projects);
}

/**
 * Counts and storage over the repositories of `projects` (absent: all). The
 * total storage is the registry's whole store when unscoped, else the distinct
 * blobs and manifests of the visible repositories.
 */
export async function registryStatistics(
  db: Kysely<CatalogDatabase>,
  projects?: readonly string[],
): Promise<RegistryStatistics> {
  const names = await db.selectFrom('repositories').select('name').where(scoped('name', projects)).execute();
  const artifacts = await db
    .selectFrom('manifests as m')
    .select((eb) => ['m.repository', eb.fn.countAll<number>().as('n')])
    .where(topLevel)
    .where(scoped('m.repository', projects))
    .groupBy('m.repository')
    .execute();
  const usage = new Map<string, ProjectUsage>();
  const projectUsage = (project: string) => {
    const known = usage.get(project);
    if (known) return known;
    const fresh = { project, repositories: 0, artifacts: 0, storage: 0 };
    usage.set(project, fresh);
    return fresh;
  };
  for (const { name } of names) projectUsage(projectOf(name)).repositories += 1;
  let artifactTotal = 0;
  for (const row of artifacts) {
    projectUsage(projectOf(row.repository)).artifacts += Number(row.n);
    artifactTotal += Number(row.n);
  }
  for (const u of usage.values()) u.storage = await storageOf(db, (column) => inProject(column, u.project));
  const storage =
    projects === undefined
      ? Number(
          (
            await db
              .selectFrom('blobs')
              .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size'), sql<number>`0`).as('bytes'))
              .executeTakeFirstOrThrow()
          ).bytes,
        )
      : await storageOf(db, (column) => inProjects(column, projects));
  return {
    repositories: names.length,
    artifacts: artifactTotal,
    storage,
    projects: [...usage.values()].sort((a, b) => b.storage - a.storage || a.project.localeCompare(b.project)),
  };
}

/** Bytes of the distinct blobs and manifests linked to the repositories `where` selects. */
async function storageOf(
  db: Kysely<CatalogDatabase>,
  where: (column: string) => ReturnType<typeof inProject>,
): Promise<number> {
  const row = await db
    .selectFrom('blobs as b')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('b.size'), sql<number>`0`).as('bytes'))
    .where((eb) =>
      eb(
        'b.digest',
        'in',
        eb
          .selectFrom('repository_blobs as rb')
          .select('rb.digest')
          .where(where('rb.repository'))
          .union(eb.selectFrom('manifests as m').select('m.digest').where(where('m.repository'))),
      ),
    )
    .executeTakeFirstOrThrow();
  return Number(row.bytes);
}

export async function recentPushes(
  db: Kysely<CatalogDatabase>,
  limit: number,
  projects?: readonly string[],
): Promise<RecentPush[]> {
  const tagged = await db
    .selectFrom('tags')
    .select(['repository', 'name', 'digest', 'updated_at'])
    .where(scoped('repository', projects))
    .orderBy('updated_at', 'desc')
    .limit(limit)
    .execute();
  const pushed = await db
    .selectFrom('manifests as m')
    .select(['m.repository', 'm.digest', 'm.created_at'])
    .where(topLevel)
    .where(scoped('m.repository', projects))
    .orderBy('m.created_at', 'desc')
    .limit(limit)
    .execute();
  const seen = new Set(tagged.map((t) => `${t.repository}@${t.digest}@${t.updated_at}`));
  const events: RecentPush[] = [
    ...tagged.map((t) => ({ repository: t.repository, digest: t.digest, tag: t.name, at: t.updated_at })),
    ...pushed
      .filter((m) => !seen.has(`${m.repository}@${m.digest}@${m.created_at}`))
      .map((m) => ({ repository: m.repository, digest: m.digest, tag: null, at: m.created_at })),
  ];
  return events.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, limit);
}

export async function addTraffic(db: Kysely<CatalogDatabase>, entries: DailyTraffic[]): Promise<void> {
  for (const e of entries) {
    await db
      .insertInto('traffic_daily')
      .values({ day: e.day, pushes: e.pushes, pulls: e.pulls })
      .onConflict((oc) =>
        oc.column('day').doUpdateSet((eb) => ({
          pushes: eb(eb.ref('traffic_daily.pushes'), '+', eb.ref('excluded.pushes')),
          pulls: eb(eb.ref('traffic_daily.pulls'), '+', eb.ref('excluded.pulls')),
        })),
      )
      .execute();
  }
}

/**
 * One UPDATE per repository and per manifest pulled since the last flush (not
 * per pull), in one transaction, in key order so that nodes flushing at once
 * take row locks in the same order.
 */
export async function addPulls(db: Kysely<CatalogDatabase>, batch: PullBatch): Promise<void> {
  const repositories = [...batch.repositories].sort((a, b) => (a.repository < b.repository ? -1 : 1));
  const key = (a: { repository: string; digest: string }) => `${a.repository}@${a.digest}`;
  const artifacts = [...batch.artifacts].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  if (repositories.length === 0 && artifacts.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const r of repositories) {
      await trx
        .updateTable('repositories')
        .set((eb) => ({ pull_count: eb('pull_count', '+', r.pulls) }))
        .where('name', '=', r.repository)
        .execute();
    }
    for (const a of artifacts) {
      await trx
        .updateTable('manifests')
        .set({ pulled_at: a.at })
        .where('repository', '=', a.repository)
        .where('digest', '=', a.digest)
        .where((eb) => eb.or([eb('pulled_at', 'is', null), eb('pulled_at', '<', a.at)]))
        .execute();
    }
  });
}

export async function trafficSince(db: Kysely<CatalogDatabase>, fromDay: string): Promise<DailyTraffic[]> {
  const rows = await db.selectFrom('traffic_daily').selectAll().where('day', '>=', fromDay).orderBy('day').execute();
  return rows.map((r) => ({ day: r.day, pushes: Number(r.pushes), pulls: Number(r.pulls) }));
}
