/**
 * Statistics in Harbor's shape (`/statistics`), with Berth's additions: the
 * artifact count, usage per project, pushes and pulls per day, and the most
 * recent pushes for the dashboard.
 */
import type { FastifyInstance } from 'fastify';
import type { DailyTraffic } from '../../core/ports-catalog.ts';
import { authorize, type CatalogOptions } from './catalog-context.ts';
import { badRequest } from './errors.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

function boundedInt(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw badRequest(`${name} must be an integer from 1 to ${max}`);
  return n;
}

export async function statisticsRoutes(app: FastifyInstance, options: CatalogOptions): Promise<void> {
  app.get('/statistics', async (request) => {
    await authorize(options, request, null, 'pull');
    const s = await options.catalog.statistics();
    return {
      private_project_count: 0,
      private_repo_count: 0,
      public_project_count: s.projects.length,
      public_repo_count: s.repositories,
      total_project_count: s.projects.length,
      total_repo_count: s.repositories,
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
    return (await options.catalog.recentPushes(limit)).map((p) => ({
      repository_name: p.repository,
      digest: p.digest,
      tag: p.tag,
      push_time: p.at,
    }));
  });
}
