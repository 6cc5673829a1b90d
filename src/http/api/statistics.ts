/**
 * Statistics in Harbor's shape (`/statistics`), with Berth's additions: the
 * artifact count, usage per project, pushes and pulls per day, and the most
 * recent pushes for the dashboard. Counts, usage and recent pushes cover only
 * the projects the caller may pull from, as Harbor's do.
 */
import type { FastifyInstance } from 'fastify';
import type { DailyTraffic, RegistryStatistics } from '../../core/ports-catalog.ts';
import { authorize, type CatalogOptions, type CatalogScope, visibleProjects } from './catalog-context.ts';
import { badRequest } from './errors.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

function boundedInt(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw badRequest(`${name} must be an integer from 1 to ${max}`);
  return n;
}

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

export async function statisticsRoutes(app: FastifyInstance, options: CatalogOptions): Promise<void> {
  app.get('/statistics', async (request) => {
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
  app.get<{ Querystring: { days?: string } }>('/statistics/traffic', async (request) => {
    await authorize(options, request, null, 'pull');
    const days = boundedInt(request.query.days, 'days', 30, 366);
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

  app.get<{ Querystring: { limit?: string } }>('/statistics/recent', async (request) => {
    await authorize(options, request, null, 'pull');
    const limit = boundedInt(request.query.limit, 'limit', 10, 100);
    const { names } = await visibleProjects(options, request);
    return (await options.catalog.recentPushes(limit, names)).map((p) => ({
      repository_name: p.repository,
      digest: p.digest,
      tag: p.tag,
      push_time: p.at,
    }));
  });
}
