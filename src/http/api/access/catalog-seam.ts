/**
 * The browsing routes' authorization (repositories, artifacts, tags,
 * statistics) through the identity module: a project's role matrix on
 * project paths; a signed-in caller for registry-wide numbers. With
 * authentication off, every caller acts as administrator. Registry-wide
 * listings are limited to the projects the caller may pull from.
 */
import type { FastifyRequest } from 'fastify';
import type { ProjectRecord } from '../../../core/access/ports.ts';
import { isSysadmin, principalName } from '../../../core/access/principal.ts';
import type {
  CatalogAuditor,
  CatalogAuthorizer,
  CatalogPermission,
  CatalogScope,
  CatalogScoper,
} from '../catalog-context.ts';
import { notFound, unauthorized } from '../errors.ts';
import { type AccessApi, addressOf, callerOf, requireOn } from './context.ts';

export function catalogAuthorizer(api: AccessApi): CatalogAuthorizer {
  return async (request: FastifyRequest, project: string | null, permission: CatalogPermission) => {
    const who = await callerOf(api, request);
    if (project === null) {
      if (who.kind === 'anonymous') throw unauthorized();
      return;
    }
    const record = await api.access.store.projectByName(project);
    if (!record) {
      // Repositories pushed before their project existed: administrators still see
      // them. A project with neither a row nor repositories does not exist: 404,
      // so nobody mistakes a typo for an empty project.
      if (isSysadmin(who) && (await hasRepositories(api, project))) return;
      throw who.kind === 'anonymous' ? unauthorized() : notFound(`project ${project} not found`);
    }
    await requireOn(api, who, record, permission);
  };
}

const PAGE = 1000;

/** Whether any repository lives in `project` (named `project` or `project/…`). */
async function hasRepositories(api: AccessApi, project: string): Promise<boolean> {
  return (await api.registry.projectRepositories(project, 1)).length > 0;
}

/** Project rows, page by page; `visibleTo` as in ProjectQuery (undefined: all, null: public ones). */
async function allProjects(api: AccessApi, visibleTo?: number | null): Promise<ProjectRecord[]> {
  const out: ProjectRecord[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const { items } = await api.access.store.listProjects({ offset, limit: PAGE, visibleTo });
    out.push(...items);
    if (items.length < PAGE) return out;
  }
}

/**
 * The projects a caller may pull from: every one for a system administrator;
 * public ones and the user's own for a user; for a robot, those its
 * permissions allow (and public ones), as the access service decides.
 */
export function catalogScope(api: AccessApi): CatalogScoper {
  return async (request: FastifyRequest): Promise<CatalogScope> => {
    const who = await callerOf(api, request);
    const shape = (list: ProjectRecord[]) => list.map((p) => ({ name: p.name, public: p.public }));
    if (isSysadmin(who)) return { all: true, projects: shape(await allProjects(api)) };
    if (who.kind === 'user') return { all: false, projects: shape(await allProjects(api, who.id)) };
    if (who.kind === 'anonymous') return { all: false, projects: shape(await allProjects(api, null)) };
    const visible: ProjectRecord[] = [];
    for (const p of await allProjects(api)) if (await api.access.can(who, p, 'pull')) visible.push(p);
    return { all: false, projects: shape(visible) };
  };
}

/** Audit lines for the browsing routes' edits, shaped like the /v2 hook's (artifact push/delete). */
export function catalogAuditor(api: AccessApi): CatalogAuditor {
  return async (request, edit) => {
    const who = await callerOf(api, request).catch(() => null);
    await api.access.audit({
      username: who ? principalName(who) : 'anonymous',
      resource: edit.resource,
      resourceType: 'artifact',
      operation: edit.operation,
      result: edit.result,
      project: edit.project,
      address: addressOf(request),
    });
  };
}
