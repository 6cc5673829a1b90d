/**
 * The browsing routes' authorization (repositories, artifacts, tags,
 * statistics) through the identity module: a project's role matrix on
 * project paths; a signed-in caller for registry-wide numbers. With
 * authentication off, every caller acts as administrator.
 */
import type { FastifyRequest } from 'fastify';
import { isSysadmin } from '../../../core/access/principal.ts';
import type { CatalogAuthorizer, CatalogPermission } from '../catalog-context.ts';
import { notFound, unauthorized } from '../errors.ts';
import { type AccessApi, callerOf, requireOn } from './context.ts';

export function catalogAuthorizer(api: AccessApi): CatalogAuthorizer {
  return async (request: FastifyRequest, project: string | null, permission: CatalogPermission) => {
    const who = await callerOf(api, request);
    if (project === null) {
      if (who.kind === 'anonymous') throw unauthorized();
      return;
    }
    const record = await api.access.store.projectByName(project);
    if (!record) {
      // Repositories pushed before their project existed: administrators still see them.
      if (isSysadmin(who)) return;
      throw who.kind === 'anonymous' ? unauthorized() : notFound(`project ${project} not found`);
    }
    await requireOn(api, who, record, permission);
  };
}
