/**
 * What the browsing routes share: their options and how a Harbor-style
 * `/projects/{project_name}/repositories/{repository_name}` path names a
 * repository (the name without its project; slashes may arrive encoded once
 * or twice, as Harbor's clients send them).
 */

import type { CatalogQueries, DailyTraffic, RepositorySummary } from '../../core/ports-catalog.ts';
import type { Registry } from '../../core/registry.ts';
import { notFound } from './errors.ts';

export interface TrafficSource {
  since(fromDay: string): Promise<DailyTraffic[]>;
}

export interface CatalogOptions {
  registry: Registry;
  catalog: CatalogQueries;
  traffic?: TrafficSource;
}

export interface RepositoryParams {
  project_name: string;
  repository_name: string;
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

/** The repository a project-scoped path names, or NOT_FOUND. */
export async function resolveRepository(catalog: CatalogQueries, params: RepositoryParams): Promise<RepositorySummary> {
  const project = decodeSegment(params.project_name);
  const name = decodeSegment(params.repository_name);
  const full = await catalog.repositorySummary(`${project}/${name}`);
  if (full) return full;
  // A top-level repository is its own project: /projects/alpine/repositories/alpine.
  if (name === project) {
    const top = await catalog.repositorySummary(project);
    if (top) return top;
  }
  throw notFound(`repository ${project}/${name} not found`);
}

export function decodeParam(value: string): string {
  return decodeSegment(value);
}
