/**
 * What the Kubernetes resources of the management API share: options, the
 * authorization seam, error mapping, id parameters, paging and the views
 * (snake_case, Harbor's `creation_time`/`update_time`; never a password or
 * a kubeconfig).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KubeConflictError, KubeInvalidError, KubeNotFoundError } from '../../../features/kube/errors.ts';
import type { KubeFeature } from '../../../features/kube/feature.ts';
import type { Actor } from '../../../features/kube/robots.ts';
import type { ClusterRecord, ConnectionRecord, CopyRecord, GroupRecord } from '../../../features/kube/store.ts';
import { ApiError, badRequest, invalidField } from '../errors.ts';

/**
 * Decides whether the caller may manage Kubernetes settings; throws the API's
 * 401/403. `projectId` is the project a connection belongs to (null for
 * system-wide resources: clusters, groups, system connections). Absent:
 * everyone may (no identity module wired).
 */
export type KubeAuthorizer = (
  request: FastifyRequest,
  scope: { projectId: number | null /** also creates robot accounts in the project */; robots?: boolean },
) => Promise<void>;

export interface KubeApiOptions {
  kube: KubeFeature;
  authorize?: KubeAuthorizer;
  /** Who the caller is (robots made for a connection record it); absent: `anonymous`. */
  actorOf?: (request: FastifyRequest) => Promise<Actor>;
}

export async function allow(
  options: KubeApiOptions,
  request: FastifyRequest,
  projectId: number | null = null,
  extra: { robots?: boolean } = {},
) {
  if (options.authorize) await options.authorize(request, { projectId, ...extra });
}

export async function actorOf(options: KubeApiOptions, request: FastifyRequest): Promise<Actor> {
  return options.actorOf ? options.actorOf(request) : { name: 'anonymous', address: request.ip };
}

/** Feature errors as the API's (Harbor-shaped) errors; anything else unchanged. */
export function toApiError(err: unknown): unknown {
  if (err instanceof KubeInvalidError) return invalidField(err.field, err.message);
  if (err instanceof KubeNotFoundError) return new ApiError(404, 'NOT_FOUND', err.message, undefined, err.field);
  if (err instanceof KubeConflictError) return new ApiError(409, 'CONFLICT', err.message, undefined, err.field);
  return err;
}

export function idParam(request: FastifyRequest, name = 'id'): number {
  const value = (request.params as Record<string, string>)[name] ?? '';
  if (!/^\d+$/.test(value)) throw badRequest(`${name} must be a number`);
  return Number(value);
}

export function body(request: FastifyRequest): Record<string, unknown> {
  const b = request.body;
  if (b === undefined || b === null) return {};
  if (typeof b !== 'object' || Array.isArray(b)) throw badRequest('the request body must be a JSON object');
  return b as Record<string, unknown>;
}

/** A string field, or undefined; anything else is a 400 naming the field. */
export function str(b: Record<string, unknown>, field: string): string | undefined {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${field} must be a string`);
  return v;
}

export function optionalInt(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw badRequest(`${field} must be a number`);
  return n;
}

/** Harbor's `page`/`page_size` over a small in-memory list, with X-Total-Count. */
export function paged<T>(request: FastifyRequest, reply: FastifyReply, items: T[]): T[] {
  const q = request.query as Record<string, string | undefined>;
  const page = q.page === undefined ? 1 : Number(q.page);
  const size = q.page_size === undefined ? 10 : Number(q.page_size);
  if (!Number.isInteger(page) || page < 1) throw badRequest('page must be a positive integer');
  if (!Number.isInteger(size) || size < 1 || size > 100) throw badRequest('page_size must be 1 to 100');
  reply.header('x-total-count', String(items.length));
  return items.slice((page - 1) * size, page * size);
}

export const connectionView = (c: ConnectionRecord) => ({
  id: c.id,
  name: c.name,
  type: c.type,
  address: c.address,
  username: c.username,
  email: c.email,
  description: c.description,
  project_id: c.projectId,
  berth_robot: c.berthRobot,
  last_test: c.lastTest ? { ok: c.lastTest.ok, checks: c.lastTest.checks, time: c.lastTest.at } : null,
  creation_time: c.createdAt,
  update_time: c.updatedAt,
});

export const groupView = (g: GroupRecord) => ({
  id: g.id,
  name: g.name,
  upstream: g.upstream,
  upstream_insecure: g.upstreamInsecure,
  members: g.members.map((m) => ({
    connection_id: m.connectionId,
    ...(m.project ? { project: m.project } : {}),
    ...(m.nsMirror ? { ns_mirror: true } : {}),
  })),
  creation_time: g.createdAt,
  update_time: g.updatedAt,
});

export const clusterView = (c: ClusterRecord) => ({
  id: c.id,
  name: c.name,
  server: c.server,
  context: c.context,
  creation_time: c.createdAt,
  update_time: c.updatedAt,
});

/** A copy's last sync; `current` says whether it carries the connection's present credentials. */
export const copyView = (c: CopyRecord, currentFingerprint: string) => ({
  namespace: c.namespace,
  state: c.state,
  message: c.message,
  current: c.fingerprint === currentFingerprint,
  fingerprint: c.fingerprint ? c.fingerprint.slice(0, 12) : null,
  service_accounts: c.serviceAccounts,
  synced_at: c.syncedAt,
});

export { ApiError };
