/** Shared pieces of the access resources: the caller, paging, project lookup. */

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProjectRecord, Slice } from '../../../core/access/ports.ts';
import type { Principal } from '../../../core/access/principal.ts';
import type { Permission } from '../../../core/access/roles.ts';
import type { AccessService } from '../../../core/access/service.ts';
import { RegistryError } from '../../../core/errors.ts';
import type { Registry } from '../../../core/registry.ts';
import { clientAddress, type Gate } from '../../access/gate.ts';
import { badRequest, forbidden, notFound, tooManyRequests, unauthorized } from '../errors.ts';
import type { ProjectExtension } from './project-extension.ts';

export interface AccessApi {
  registry: Registry;
  access: AccessService;
  gate: Gate | null;
  /** Told when a robot's secret is refreshed, with the new secret (Kubernetes pull secrets carry it). */
  onRobotSecretRotated?: (robotName: string, secret: string) => Promise<void>;
  /** Seconds the old secret stays valid on refresh (Kubernetes clusters still holding it); absent: 0. */
  robotSecretOverlap?: (robotName: string) => Promise<number>;
  /** Project metadata kept by features (e.g. signing's enable_content_trust*); absent: only `public`. */
  projectMetadata?: ProjectMetadataExtension[];
  /** Told a project's `storage_limit` (bytes, -1 unlimited) at create and update. */
  onStorageLimit?: (project: ProjectRecord, limit: number) => Promise<void>;
  /** Extra project fields of other features (proxy caches, groups); absent: none. */
  projectExtension?: ProjectExtension;
  /** False when only administrators may create projects (system setting project_creation_restriction). */
  mayCreateProjects?: () => Promise<boolean>;
}

/**
 * Extra keys of a project's `metadata` (and top-level fields such as `cve_allowlist`): read into the
 * project view, written by POST/PUT (400 on a bad value). Several features each add one.
 */
export interface ProjectMetadataExtension {
  /** Throws the 400 `write` would, before anything is stored (a project is created only with valid metadata). */
  check(metadata: Record<string, unknown>, body?: Record<string, unknown>): void;
  read(projectId: number): Promise<Record<string, string>>;
  write(projectId: number, metadata: Record<string, unknown>, body?: Record<string, unknown>): Promise<void>;
  /** Top-level fields of the project view besides `metadata` (e.g. `cve_allowlist`). */
  view?(projectId: number): Promise<Record<string, unknown>>;
}

/** With authentication off, every caller acts as this administrator. */
const OPEN_ADMIN: Principal = { kind: 'user', id: 0, name: 'anonymous', sysadmin: true };

export async function callerOf(api: AccessApi, request: FastifyRequest): Promise<Principal> {
  if (!api.gate) return OPEN_ADMIN;
  try {
    return (await api.gate.identify(request.raw, 'api')).principal;
  } catch (err) {
    if (err instanceof RegistryError && err.code === 'TOOMANYREQUESTS') {
      throw tooManyRequests(err.message, err.headers?.['retry-after'] ?? '60');
    }
    if (err instanceof RegistryError && err.code === 'UNAUTHORIZED') throw unauthorized(err.message);
    throw err;
  }
}

/** The caller, who must be logged in. */
export async function userOf(api: AccessApi, request: FastifyRequest): Promise<Principal & { kind: 'user' | 'robot' }> {
  const who = await callerOf(api, request);
  if (who.kind === 'anonymous') throw unauthorized();
  return who;
}

export async function sysadminOf(api: AccessApi, request: FastifyRequest): Promise<Principal> {
  const who = await userOf(api, request);
  if (who.kind !== 'user' || !who.sysadmin) throw forbidden('only system administrators may do this');
  return who;
}

export const addressOf = (request: FastifyRequest) => clientAddress(request.raw);

/** `page` (1-based) and `page_size` (default 10, at most 100) as Harbor takes them. */
export function sliceOf(request: FastifyRequest): Slice & { page: number; pageSize: number } {
  const q = request.query as Record<string, string | undefined>;
  const page = q.page === undefined ? 1 : Number(q.page);
  const pageSize = q.page_size === undefined ? 10 : Number(q.page_size);
  if (!Number.isInteger(page) || page < 1) throw badRequest('page must be a positive integer');
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw badRequest('page_size must be 1 to 100');
  return { page, pageSize, offset: (page - 1) * pageSize, limit: pageSize };
}

/** Sets X-Total-Count and the Link header (prev/next) for a page. */
export function paged<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  slice: { page: number; pageSize: number },
  total: number,
  items: T[],
): T[] {
  reply.header('x-total-count', String(total));
  const url = new URL(request.url, 'http://x');
  const links: string[] = [];
  const at = (page: number) => {
    url.searchParams.delete('page');
    url.searchParams.delete('page_size');
    url.searchParams.append('page', String(page));
    url.searchParams.append('page_size', String(slice.pageSize));
    return `<${url.pathname}?${url.searchParams}>`;
  };
  if (slice.page > 1) links.push(`${at(slice.page - 1)}; rel="prev"`);
  if (slice.page * slice.pageSize < total) links.push(`${at(slice.page + 1)}; rel="next"`);
  if (links.length > 0) reply.header('link', links.join(' , '));
  return items;
}

/** A project by id or name (`X-Is-Resource-Name: true` forces a name). */
export async function projectParam(api: AccessApi, request: FastifyRequest, value: string): Promise<ProjectRecord> {
  const byName = request.headers['x-is-resource-name'] === 'true' || !/^\d+$/.test(value);
  const project = byName
    ? await api.access.store.projectByName(value)
    : await api.access.store.projectById(Number(value));
  if (!project) throw notFound(`project ${value} not found`);
  return project;
}

/**
 * Requires `permission` on `project`. Callers who may not even see the
 * project get 404 (no leak of private names); others get 403.
 */
export async function requireOn(
  api: AccessApi,
  who: Principal,
  project: ProjectRecord,
  permission: Permission,
): Promise<void> {
  const perms = await api.access.permissions(who, project);
  if (perms.has(permission)) return;
  if (perms.size === 0 && who.kind === 'anonymous') throw unauthorized();
  if (perms.size === 0) throw notFound(`project ${project.name} not found`);
  throw forbidden(`${permission} is not allowed in project ${project.name}`);
}

export function idParam(value: string, what: string): number {
  if (!/^\d+$/.test(value)) throw badRequest(`${what} must be a number`);
  return Number(value);
}
