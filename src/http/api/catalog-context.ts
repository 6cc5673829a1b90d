/**
 * What the browsing routes share: their options and how a Harbor-style
 * `/projects/{project_name}/repositories/{repository_name}` path names a
 * repository (the name without its project; slashes may arrive encoded once
 * or twice, as Harbor's clients send them).
 */
import type { FastifyRequest } from 'fastify';
import type { CatalogQueries, DailyTraffic, RepositorySummary } from '../../core/ports-catalog.ts';
import type { Registry } from '../../core/registry.ts';
import { notFound } from './errors.ts';

export interface TrafficSource {
  since(fromDay: string): Promise<DailyTraffic[]>;
}

/** What a browsing request needs in a project; `null` project: registry-wide (statistics, all repositories). */
export type CatalogPermission = 'pull' | 'push' | 'deleteArtifact' | 'deleteRepository';

/**
 * Decides whether the caller may act; throws the management API's 401/403
 * (a 403 naming the permission). Absent: everything is allowed (no identity
 * module wired).
 */
export type CatalogAuthorizer = (
  request: FastifyRequest,
  project: string | null,
  permission: CatalogPermission,
) => Promise<void>;

export interface CatalogOptions {
  registry: Registry;
  catalog: CatalogQueries;
  traffic?: TrafficSource;
  authorize?: CatalogAuthorizer;
}

export async function authorize(
  options: CatalogOptions,
  request: FastifyRequest,
  project: string | null,
  permission: CatalogPermission,
): Promise<void> {
  if (options.authorize) await options.authorize(request, project, permission);
}

export interface RepositoryParams {
  project: string;
  repository: string;
}

function decodeSegment(value: string): string {
  let out = value;
  for (let i = 0; i < 2 && out.includes('%'); i++) {
    try {
      out = decodeURIComponent(out);
    } catch {
      break;
    }
  }
  return out;
}

/** The repository a project-scoped path names, once the caller may act in its project; NOT_FOUND otherwise. */
export async function resolveRepository(
  options: CatalogOptions,
  request: FastifyRequest,
  params: RepositoryParams,
  permission: CatalogPermission,
): Promise<RepositorySummary> {
  const project = decodeSegment(params.project);
  const name = decodeSegment(params.repository);
  await authorize(options, request, project, permission);
  const full = await options.catalog.repositorySummary(`${project}/${name}`);
  if (full) return full;
  // A top-level repository is its own project: /projects/alpine/repositories/alpine.
  if (name === project) {
    const top = await options.catalog.repositorySummary(project);
    if (top) return top;
  }
  throw notFound(`repository ${project}/${name} not found`);
}

export function decodeParam(value: string): string {
  return decodeSegment(value);
}
