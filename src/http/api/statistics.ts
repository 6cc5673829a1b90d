/**
 * Statistics in Harbor's shape (`/statistics`), with Berth's additions: the
 * artifact count, usage per project, pushes and pulls per day, and the most
 * recent pushes for the dashboard. Counts, usage and recent pushes cover only
 * the projects the caller may pull from, as Harbor's do.
 */
import type { FastifyInstance } from 'fastify';
import type { DailyTraffic, RegistryStatistics } from '../../core/ports-catalog.ts';
import { doc, typed } from '../shared/schemas.ts';
import { authorize, type CatalogOptions, type CatalogScope, visibleProjects } from './catalog-context.ts';
import {
  DailyTraffic as DailyTrafficSchema,
  RecentPushes,
  RecentQuery,
  Statistic,
  TrafficQuery,
} from './catalog-schemas.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Harbor's public/private split of what the caller sees. A project counts if
 * it has a visible row or visible repositories; a repository whose project
 * has no row (only administrators see those) counts as private. Without
 * access rules (`scope` null) everything is public.
 */
export function visibilityCounts(s: RegistryStatistics, scope: CatalogScope | null) {
  const rows = new Map(scope?.projects.map((p) => [p.name, p.public]));
  const names = new Set([...rows.keys(), ...s.projects.map((p) => p.project)]);
  const isPublic = (name: string) => scope === null || rows.get(name) === true;
  const publicProjects = [...names].filter(isPublic).length;
  const publicRepos = s.projects.filter((p) => isPublic(p.project)).reduce((n, p) => n + p.repositories, 0);
  return {
    private_project_count: names.size - publicProjects,
    private_repo_count: s.repositories - publicRepos,
    public_project_count: publicProjects,
    public_repo_count: publicRepos,
    total_project_count: names.size,
    total_repo_count: s.repositories,
  };
}

export async function statisticsRoutes(parent: FastifyInstance, options: CatalogOptions): Promise<void> {
  const app = typed(parent);
  const counts = {
    ...doc('statistics', 'Counts and storage over the projects the caller may pull from'),
    response: { 200: Statistic },
  };
  app.get('/statistics', { schema: counts }, async (request) => {
    await authorize(options, request, null, 'pull');
    const { names, scope } = await visibleProjects(options, request);
    const s = await options.catalog.statistics(names);
    return {
      ...visibilityCounts(s, scope),
      total_storage_consumption: s.storage,
      total_artifact_count: s.artifacts,
      projects: s.projects.map((p) => ({
        name: p.project,
        repo_count: p.repositories,
        artifact_count: p.artifacts,
        storage: p.storage,
      })),
    };
  });

  // Registry-wide on purpose: one pair of daily counters for all projects, no
  // names or sizes in it, so any signed-in caller may see the registry's load.
  const traffic = {
    ...doc('statistics', 'Manifest pushes and pulls per day, registry-wide (`days`)'),
    querystring: TrafficQuery,
    response: { 200: DailyTrafficSchema },
  };
  app.get('/statistics/traffic', { schema: traffic }, async (request) => {
    await authorize(options, request, null, 'pull');
    const days = request.query.days ?? 30;
    const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
    const from = new Date(today - (days - 1) * DAY_MS).toISOString().slice(0, 10);
    const known = new Map((await (options.traffic?.since(from) ?? Promise.resolve([]))).map((d) => [d.day, d]));
    const out: DailyTraffic[] = [];
    for (let i = 0; i < days; i++) {
      const day = new Date(today - (days - 1 - i) * DAY_MS).toISOString().slice(0, 10);
      out.push(known.get(day) ?? { day, pushes: 0, pulls: 0 });
    }
    return out;
  });

  const recent = {
    ...doc('statistics', 'Latest pushes in projects the caller may pull from (`limit`)'),
    querystring: RecentQuery,
    response: { 200: RecentPushes },
  };
  app.get('/statistics/recent', { schema: recent }, async (request) => {
    await authorize(options, request, null, 'pull');
    const limit = request.query.limit ?? 10;
    const { names } = await visibleProjects(options, request);
    return (await options.catalog.recentPushes(limit, names)).map((p) => ({
      repository_name: p.repository,
      digest: p.digest,
      tag: p.tag,
      push_time: p.at,
    }));
  });
}
