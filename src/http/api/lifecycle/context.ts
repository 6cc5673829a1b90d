/** What the storage-lifecycle routes share: options, authorization helpers, Harbor's paging. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { ProjectRecord } from '../../../core/access/ports.ts';
import { isSysadmin, principalName } from '../../../core/access/principal.ts';
import type { Caller } from '../../../core/hooks.ts';
import type { LifecycleFeature } from '../../../features/lifecycle/feature.ts';
import { type AccessApi, callerOf, requireOn } from '../access/context.ts';
import { forbidden, notFound, unauthorized } from '../errors.ts';

export interface LifecycleApiOptions {
  lifecycle: LifecycleFeature;
  /** Identities; absent (or without gate): every caller acts as administrator. */
  api?: AccessApi;
}

export const Paging = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
});
export type PagingQuery = Static<typeof Paging>;

export const ErrorBody = Type.Object({
  errors: Type.Array(Type.Object({ code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()) })),
});

export function slice(q: PagingQuery): { page: number; pageSize: number; offset: number } {
  const page = q.page ?? 1;
  const pageSize = q.page_size ?? 10;
  return { page, pageSize, offset: (page - 1) * pageSize };
}

export function pageHeaders(reply: FastifyReply, total: number): void {
  reply.header('x-total-count', String(total));
}

/** The caller as the registry's use cases see it. */
export async function callerFor(o: LifecycleApiOptions, request: FastifyRequest): Promise<Caller> {
  if (!o.api) return { actor: null, inspection: true };
  const who = await callerOf(o.api, request);
  return { actor: who.kind === 'anonymous' ? null : principalName(who), inspection: true };
}

export async function requireSysadmin(o: LifecycleApiOptions, request: FastifyRequest): Promise<void> {
  if (!o.api) return;
  const who = await callerOf(o.api, request);
  if (who.kind === 'anonymous') throw unauthorized();
  if (!isSysadmin(who)) throw forbidden('only system administrators may do this');
}

/** The project by id or name; with identities, `permission` on it is required. */
export async function projectFor(
  o: LifecycleApiOptions,
  request: FastifyRequest,
  value: string,
  permission: 'pull' | 'push' | 'changeSettings',
): Promise<ProjectRecord> {
  if (!o.api) throw notFound('projects are not served without the identity module');
  const store = o.api.access.store;
  const byName = request.headers['x-is-resource-name'] === 'true' || !/^\d+$/.test(value);
  const project = byName ? await store.projectByName(value) : await store.projectById(Number(value));
  if (!project) throw notFound(`project ${value} not found`);
  await requireOn(o.api, await callerOf(o.api, request), project, permission);
  return project;
}
