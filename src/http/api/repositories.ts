/**
 * Repositories in Harbor's shape: listed across the registry or per project
 * (a repository's project is its first path segment) and fetched. DELETE is
 * served by the identity module (src/http/api/access/repositories.ts), which
 * audits it.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { projectOf } from '../../core/names.ts';
import type { RepositorySortField, RepositorySummary } from '../../core/ports-catalog.ts';
import { doc, typed } from '../shared/schemas.ts';
import { authorize, type CatalogOptions, decodeParam, resolveRepository, visibleProjects } from './catalog-context.ts';
import { ListQuery as ListQuerySchema, ProjectNameParam, Repository, RepositoryParams } from './catalog-schemas.ts';
import { pageParams, queryTerms, setPageHeaders, sortParam } from './paging.ts';

const SORTS: readonly RepositorySortField[] = ['name', 'creation_time', 'update_time'];

export function repositoryJson(r: RepositorySummary) {
  return {
    name: r.name,
    project_name: projectOf(r.name),
    artifact_count: r.artifactCount,
    pull_count: r.pullCount,
    creation_time: r.createdAt,
    update_time: r.updatedAt,
  };
}

type ListQuery = { q?: string; sort?: string; page?: number; page_size?: number };

export async function repositoryBrowsingRoutes(parent: FastifyInstance, options: CatalogOptions): Promise<void> {
  const app = typed(parent);
  const page = { querystring: ListQuerySchema, response: { 200: Type.Array(Repository) } };
  const { catalog } = options;

  const list = async (project: string | undefined, query: ListQuery, projects?: string[]) => {
    const page = pageParams(query);
    const sort = sortParam(query.sort, SORTS, { field: 'name', descending: false });
    const terms = queryTerms(query.q, ['name']);
    const name = terms.get('name');
    const result = await catalog.listRepositories(
      {
        project,
        ...(projects ? { projects } : {}),
        ...(name?.fuzzy ? { nameContains: name.value } : {}),
        ...(name && !name.fuzzy ? { name: name.value } : {}),
      },
      sort,
      page,
    );
    return { page, result };
  };

  const all = { ...doc('repositories', 'Repositories of the projects the caller may pull from'), ...page };
  app.get('/repositories', { schema: all }, async (request, reply) => {
    await authorize(options, request, null, 'pull');
    // Only what the caller may pull: filtered in SQL, so paging and X-Total-Count stay right.
    const { names } = await visibleProjects(options, request);
    const { page, result } = await list(undefined, request.query, names);
    setPageHeaders(request, reply, page, result.total);
    return result.items.map(repositoryJson);
  });

  const inProject = { ...doc('repositories', "A project's repositories"), params: ProjectNameParam, ...page };
  app.get('/projects/:project_name_or_id/repositories', { schema: inProject }, async (request, reply) => {
    const project = decodeParam(request.params.project_name_or_id);
    await authorize(options, request, project, 'pull');
    const query = { ...request.query };
    // Harbor matches q=name=~x against the whole name, project included.
    const { page, result } = await list(project, query);
    setPageHeaders(request, reply, page, result.total);
    return result.items.map(repositoryJson);
  });

  const one = { ...doc('repositories', 'One repository'), params: RepositoryParams, response: { 200: Repository } };
  app.get('/projects/:project_name_or_id/repositories/:repository_name', { schema: one }, async (request) => {
    const found = await resolveRepository(options, request, request.params, 'pull');
    return { ...repositoryJson(found), description: (await options.describe?.(found.name)) ?? '' };
  });
}
