/**
 * Registry-wide numbers for the dashboard: counts and storage (in total and
 * per project), the latest pushes, and the daily push/pull counters.
 */
import { type Kysely, sql } from 'kysely';
import { projectOf } from '../../core/names.ts';
import type { DailyTraffic, ProjectUsage, RecentPush, RegistryStatistics } from '../../core/ports-catalog.ts';
import { type CatalogDatabase, inProject, topLevel } from './catalog-sql.ts';

export async function registryStatistics(db: Kysely<CatalogDatabase>): Promise<RegistryStatistics> {
  const storage = await db
    .selectFrom('blobs')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size'), sql<number>`0`).as('bytes'))
    .executeTakeFirstOrThrow();
  const names = await db.selectFrom('repositories').select('name').execute();
  const artifacts = await db
    .selectFrom('manifests as m')
    .select((eb) => ['m.repository', eb.fn.countAll<number>().as('n')])
    .where(topLevel)
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
  for (const u of usage.values()) u.storage = await projectStorage(db, u.project);
  return {
    repositories: names.length,
    artifacts: artifactTotal,
    storage: Number(storage.bytes),
    projects: [...usage.values()].sort((a, b) => b.storage - a.storage || a.project.localeCompare(b.project)),
  };
}

async function projectStorage(db: Kysely<CatalogDatabase>, project: string): Promise<number> {
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
          .where(inProject('rb.repository', project))
          .union(eb.selectFrom('manifests as m').select('m.digest').where(inProject('m.repository', project))),
      ),
    )
    .executeTakeFirstOrThrow();
  return Number(row.bytes);
}

export async function recentPushes(db: Kysely<CatalogDatabase>, limit: number): Promise<RecentPush[]> {
  const tagged = await db
    .selectFrom('tags')
    .select(['repository', 'name', 'digest', 'updated_at'])
    .orderBy('updated_at', 'desc')
    .limit(limit)
    .execute();
  const pushed = await db
    .selectFrom('manifests as m')
    .select(['m.repository', 'm.digest', 'm.created_at'])
    .where(topLevel)
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

export async function trafficSince(db: Kysely<CatalogDatabase>, fromDay: string): Promise<DailyTraffic[]> {
  const rows = await db.selectFrom('traffic_daily').selectAll().where('day', '>=', fromDay).orderBy('day').execute();
  return rows.map((r) => ({ day: r.day, pushes: Number(r.pushes), pulls: Number(r.pulls) }));
}
