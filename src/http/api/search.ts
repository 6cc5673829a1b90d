/**
 * Harbor's GET /search?q=: projects and repositories whose name contains the
 * text, among those the caller may pull from (public projects and the
 * caller's own), at most 20 of each.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { projectOf } from '../../core/names.ts';
import { doc, Named, typed } from '../shared/schemas.ts';
import { authorize, type CatalogOptions, visibleProjects } from './catalog-context.ts';

const LIMIT = 20;

const SearchRepository = Named(
  'SearchRepository',
  Type.Object({
    project_name: Type.String(),
    project_public: Type.Boolean(),
    repository_name: Type.String(),
    pull_count: Type.Integer(),
    artifact_count: Type.Integer(),
  }),
);
const SearchProject = Type.Object({
  name: Type.String(),
  metadata: Type.Object({ public: Type.String() }),
});
const Search = Named(
  'Search',
  Type.Object({ project: Type.Array(SearchProject), repository: Type.Array(SearchRepository) }),
);

export async function searchRoutes(parent: FastifyInstance, options: CatalogOptions): Promise<void> {
  const app = typed(parent);
  const schema = {
    ...doc('search', 'Projects and repositories whose name contains `q`, among those the caller may pull from'),
    querystring: Type.Object({ q: Type.String({ maxLength: 255, description: 'part of a name' }) }),
    response: { 200: Search },
  };
  app.get('/search', { schema }, async (request) => {
    await authorize(options, request, null, 'pull');
    const text = request.query.q.trim().toLowerCase();
    if (!text) return { project: [], repository: [] };
    const { names, scope } = await visibleProjects(options, request);
    // Without access rules every project is public; their names come from the repositories.
    const rows =
      scope?.projects ??
      (await options.catalog.statistics(undefined)).projects.map((p) => ({ name: p.project, public: true }));
    const isPublic = new Map(rows.map((p) => [p.name, p.public]));
    const project = rows
      .filter((p) => p.name.includes(text))
      .sort((a, b) => a.name.localeCompare(b.name))
      .slice(0, LIMIT)
      .map((p) => ({ name: p.name, metadata: { public: String(p.public) } }));
    const found = await options.catalog.listRepositories(
      { nameContains: text, ...(names ? { projects: names } : {}) },
      { field: 'name', descending: false },
      { offset: 0, limit: LIMIT },
    );
    const repository = found.items.map((r) => ({
      project_name: projectOf(r.name),
      project_public: isPublic.get(projectOf(r.name)) ?? scope === null,
      repository_name: r.name,
      pull_count: r.pullCount,
      artifact_count: r.artifactCount,
    }));
    return { project, repository };
  });
}
