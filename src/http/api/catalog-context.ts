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

/** A change made through the browsing routes, in the audit log's shape for /v2 pushes and deletions. */
export interface CatalogEdit {
  operation: 'push' | 'delete';
  /** `repository:tag` or `repository@digest`, as the /v2 audit names them. */
  resource: string;
  project: string;
  result: 'success' | 'failure';
}

/** Writes an edit to the audit log with who asked and from where; never throws. */
export type CatalogAuditor = (request: FastifyRequest, edit: CatalogEdit) => Promise<void>;

/** What a caller sees of registry-wide listings (all repositories, statistics, recent pushes). */
export interface CatalogScope {
  /**
   * Every project: the caller may pull anything (system administrators, auth
   * off). Repositories whose project has no row are seen only then.
   */
  all: boolean;
  /** The project rows the caller may pull from, with their visibility (with `all`: every row). */
  projects: { name: string; public: boolean }[];
}

/** The caller's scope, once `authorize(request, null, 'pull')` has let them in. */
export type CatalogScoper = (request: FastifyRequest) => Promise<CatalogScope>;

export interface CatalogOptions {
  registry: Registry;
  catalog: CatalogQueries;
  traffic?: TrafficSource;
  authorize?: CatalogAuthorizer;
  /** Absent: no access rules (no identity module wired), so everything is seen and counts as public. */
  scope?: CatalogScoper;
  /** Absent: edits are not audited (no identity module wired). */
  audit?: CatalogAuditor;
  /** An artifact's signatures with their verification (the signing feature); absent: referrers only. */
  signatures?: SignatureLister;
  /** Features that add to artifact views (scan overview, labels); each is called once per page. */
  decorators?: ArtifactDecorator[];
  /** A repository's markdown description (the settings feature); absent: none. */
  describe?: (repository: string) => Promise<string | null>;
}

/** An artifact as the list and detail routes return it, before it is sent. */
export type ArtifactView = { digest: string } & Record<string, unknown>;

/**
 * Adds fields to a page of artifact views (list) or to one (detail), from the request's query
 * (e.g. `with_scan_overview=true`); `digestsWithLabels` narrows a list by `q=labels=(…)`.
 */
export interface ArtifactDecorator {
  decorate(repository: string, views: ArtifactView[], query: Record<string, string | undefined>): Promise<void>;
  /** The digests carrying all (`every`) or any of the labels; only one decorator (labels) answers it. */
  digestsWithLabels?(repository: string, labelIds: number[], every: boolean): Promise<Set<string>>;
}

/** Signature accessories in Harbor's shape plus their verification (`signed`, `signature`). */
export type SignatureLister = (repository: string, digest: string) => Promise<SignatureAccessoryView[]>;

export interface SignatureAccessoryView {
  digest: string;
  size: number;
  /** Harbor's accessory type: `signature.cosign` or `signature.notation`. */
  type: string;
  artifact_type: string | null;
  media_type: string;
  creation_time: string | null;
  signed: boolean;
  signature: {
    format: string;
    tag_scheme: boolean;
    key: string | null;
    fingerprint: string | null;
    errors: string[];
  };
}

/**
 * The project names a registry-wide query is limited to, or undefined for
 * every repository. Call after `authorize(…, null, 'pull')`.
 */
export async function visibleProjects(
  options: CatalogOptions,
  request: FastifyRequest,
): Promise<{ names: string[] | undefined; scope: CatalogScope | null }> {
  if (!options.scope) return { names: undefined, scope: null };
  const scope = await options.scope(request);
  return { names: scope.all ? undefined : scope.projects.map((p) => p.name), scope };
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
  project_name_or_id: string;
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

/** The repository a project-scoped path names, once the caller may act in its project; NOT_FOUND otherwise. */
export async function resolveRepository(
  options: CatalogOptions,
  request: FastifyRequest,
  params: RepositoryParams,
  permission: CatalogPermission,
): Promise<RepositorySummary> {
  const project = decodeSegment(params.project_name_or_id);
  const name = decodeSegment(params.repository_name);
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
