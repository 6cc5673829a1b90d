/**
 * Repositories in Harbor's shape: listed across the registry or per project
 * (a repository's project is its first path segment) and fetched. DELETE is
 * served by the identity module (src/http/api/access/repositories.ts), which
 * audits it.
 */
import type { FastifyInstance } from 'fastify';
import { projectOf } from '../../core/names.ts';
import type { RepositorySortField, RepositorySummary } from '../../core/ports-catalog.ts';
import {
  authorize,
  type CatalogOptions,
  decodeParam,
  type RepositoryParams,
  resolveRepository,
  visibleProjects,
} from './catalog-context.ts';
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

type ListQuery = { q?: string; sort?: string; page?: string; page_size?: string };

export async function repositoryBrowsingRoutes(app: FastifyInstance, options: CatalogOptions): Promise<void> {
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

  app.get<{ Querystring: ListQuery }>('/repositories', async (request, reply) => {
    await authorize(options, request, null, 'pull');
    // Only what the caller may pull: filtered in SQL, so paging and X-Total-Count stay right.
    const { names } = await visibleProjects(options, request);
    const { page, result } = await list(undefined, request.query, names);
    setPageHeaders(request, reply, page, result.total);
    return result.items.map(repositoryJson);
  });

  app.get<{ Params: { project: string }; Querystring: ListQuery }>(
    '/projects/:project/repositories',
    async (request, reply) => {
      const project = decodeParam(request.params.project);
      await authorize(options, request, project, 'pull');
      const query = { ...request.query };
      // Harbor matches q=name=~x against the whole name, project included.
      const { page, result } = await list(project, query);
      setPageHeaders(request, reply, page, result.total);
      return result.items.map(repositoryJson);
    },
  );

  app.get<{ Params: RepositoryParams }>('/projects/:project/repositories/:repository', async (request) =>
    repositoryJson(await resolveRepository(options, request, request.params, 'pull')),
  );
}
