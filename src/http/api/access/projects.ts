/** /projects in Harbor's shapes: list, create, head, get, update, delete. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { ProjectRecord } from '../../../core/access/ports.ts';
import type { Principal } from '../../../core/access/principal.ts';
import { ProjectNotEmptyError } from '../../../core/access/project-deletion.ts';
import { checkProjectName, ProjectService } from '../../../core/access/project-service.ts';
import { ROLE_IDS } from '../../../core/access/roles.ts';
import { doc, Empty, NoBody, typed } from '../../shared/schemas.ts';
import { ApiError, badRequest, invalidField } from '../errors.ts';
import { type AccessApi, addressOf, callerOf, paged, projectParam, requireOn, sliceOf, userOf } from './context.ts';
import {
  Project,
  ProjectDeleteQuery,
  ProjectHeadQuery,
  ProjectListQuery,
  ProjectNameOrId,
  ProjectReq,
} from './schemas.ts';

function publicFlag(body: Static<typeof ProjectReq>): boolean | undefined {
  if (typeof body.public === 'boolean') return body.public;
  const m = body.metadata?.public;
  if (m === undefined) return undefined;
  if (m === true || m === 'true') return true;
  if (m === false || m === 'false') return false;
  throw badRequest('metadata.public must be "true" or "false"');
}

async function view(api: AccessApi, projects: ProjectService, who: Principal, p: ProjectRecord, withCount: boolean) {
  const role = who.kind === 'user' ? await api.access.store.memberRole(p.id, who.id) : null;
  const owner = p.ownerId !== null ? await api.access.store.userById(p.ownerId) : null;
  return {
    project_id: p.id,
    name: p.name,
    owner_id: p.ownerId ?? 0,
    owner_name: owner?.username ?? '',
    creation_time: p.createdAt,
    update_time: p.updatedAt,
    deleted: false,
    current_user_role_id: role ? ROLE_IDS[role] : 0,
    current_user_role_ids: role ? [ROLE_IDS[role]] : [],
    ...(withCount ? { repo_count: (await projects.repositoriesOf(p.name, 100_000)).length } : {}),
    ...(await extraFields(api, p.id)),
    metadata: { public: String(p.public), ...(await extraMetadata(api, p.id)) },
    ...(api.projectExtension?.view(p) ?? {}),
  };
}

async function extraMetadata(api: AccessApi, projectId: number): Promise<Record<string, string>> {
  const parts = await Promise.all((api.projectMetadata ?? []).map((e) => e.read(projectId)));
  return Object.assign({}, ...parts);
}

async function extraFields(api: AccessApi, projectId: number): Promise<Record<string, unknown>> {
  const parts = await Promise.all((api.projectMetadata ?? []).map((e) => e.view?.(projectId) ?? {}));
  return Object.assign({}, ...parts);
}

/** Every extension checks before any writes, so a bad value stores nothing. */
async function writeMetadata(api: AccessApi, projectId: number | null, body: Static<typeof ProjectReq>): Promise<void> {
  const extensions = api.projectMetadata ?? [];
  const metadata = body.metadata ?? {};
  const whole = body as Record<string, unknown>;
  for (const e of extensions) e.check(metadata as Record<string, unknown>, whole);
  if (projectId !== null)
    for (const e of extensions) await e.write(projectId, metadata as Record<string, unknown>, whole);
}

export async function projectRoutes(parent: FastifyInstance, api: AccessApi): Promise<void> {
  const app = typed(parent);
  const store = api.access.store;
  const projects = new ProjectService(api.access, api.registry);
  const actor = (who: Principal & { name: string }, request: FastifyRequest) => ({
    name: who.name,
    address: addressOf(request),
  });
  const one = { params: ProjectNameOrId };

  const list = {
    ...doc('projects', 'Projects the caller may see'),
    querystring: ProjectListQuery,
    response: { 200: Type.Array(Project) },
  };
  app.get('/projects', { exposeHeadRoute: false, schema: list }, async (request, reply) => {
    const who = await callerOf(api, request);
    const slice = sliceOf(request);
    const q = request.query;
    const visibleTo = who.kind === 'user' ? (who.sysadmin ? undefined : who.id) : null;
    // `public` filters before paging, like visibility: no short pages, an honest total.
    if (q.public !== undefined && q.public !== 'true' && q.public !== 'false')
      throw badRequest('public must be "true" or "false"');
    const isPublic = q.public === undefined ? undefined : q.public === 'true';
    let { items, total } = await store.listProjects({ ...slice, name: q.name, visibleTo, public: isPublic });
    if (who.kind === 'robot') {
      // A robot sees the public projects (above) and those its permissions name.
      const names = new Set(who.permissions.map((p) => p.namespace));
      const all = await store.listProjects({ offset: 0, limit: 100_000, name: q.name, public: isPublic });
      const seen = all.items.filter((p) => p.public || names.has(p.name) || names.has('*'));
      items = seen.slice(slice.offset, slice.offset + slice.limit);
      total = seen.length;
    }
    return paged(request, reply, slice, total, await Promise.all(items.map((p) => view(api, projects, who, p, true))));
  });

  const head = { ...doc('projects', 'Whether a project name is taken'), querystring: ProjectHeadQuery };
  app.head('/projects', { schema: head }, async (request, reply) => {
    await userOf(api, request);
    const name = request.query.project_name ?? '';
    reply.status((await store.projectByName(name)) ? 200 : 404).send();
  });

  const create = { ...doc('projects', 'Create a project'), body: ProjectReq, response: { 201: NoBody } };
  app.post('/projects', { schema: create }, async (request, reply) => {
    const who = await userOf(api, request);
    if (who.kind !== 'user') throw new ApiError(403, 'FORBIDDEN', 'robots may not create projects');
    if (!who.sysadmin && api.mayCreateProjects && !(await api.mayCreateProjects()))
      throw new ApiError(403, 'FORBIDDEN', 'only system administrators may create projects here');
    const body = request.body;
    const name = body.project_name ?? '';
    checkProjectName(name);
    await writeMetadata(api, null, body);
    const ext = api.projectExtension;
    await ext?.check(body as Record<string, unknown>, null);
    const limit = storageLimit(body);
    const draft = { name, public: publicFlag(body) ?? false, ownerId: who.id || null };
    const created = await projects.create(draft, actor(who, request), async (made) => {
      await writeMetadata(api, made.id, body);
      if (limit !== undefined) await api.onStorageLimit?.(made, limit);
      await ext?.save(body as Record<string, unknown>, made, true);
    });
    reply.status(201).header('location', `/api/v2.0/projects/${created.id}`).send();
  });

  const get = { ...doc('projects', 'One project (by id or name)'), ...one, response: { 200: Project } };
  app.get('/projects/:project_name_or_id', { schema: get }, async (request) => {
    const who = await callerOf(api, request);
    const project = await projectParam(api, request, request.params.project_name_or_id);
    await requireOn(api, who, project, 'pull');
    return view(api, projects, who, project, true);
  });

  const put = { ...doc('projects', "Change a project's settings"), ...one, body: ProjectReq, response: { 200: Empty } };
  app.put('/projects/:project_name_or_id', { schema: put }, async (request) => {
    const who = await userOf(api, request);
    const project = await projectParam(api, request, request.params.project_name_or_id);
    await requireOn(api, who, project, 'changeSettings');
    const flag = publicFlag(request.body);
    const whole: Record<string, unknown> = request.body;
    await api.projectExtension?.check(whole, project);
    await writeMetadata(api, project.id, request.body);
    const limit = storageLimit(request.body);
    if (limit !== undefined) await api.onStorageLimit?.(project, limit);
    await api.projectExtension?.save(whole, project, false);
    if (flag !== undefined && flag !== project.public) {
      await projects.setPublic(project, flag, actor(who, request));
    }
    return {};
  });

  const del = {
    ...doc('projects', 'Delete a project: refused (412) while it holds repositories, unless force=true'),
    ...one,
    querystring: ProjectDeleteQuery,
    response: { 200: Empty },
  };
  app.delete('/projects/:project_name_or_id', { schema: del }, async (request) => {
    const who = await userOf(api, request);
    const project = await projectParam(api, request, request.params.project_name_or_id);
    await requireOn(api, who, project, 'changeSettings');
    const force = request.query.force === true;
    try {
      await projects.delete(project, { force }, actor(who, request));
    } catch (err) {
      if (err instanceof ProjectNotEmptyError) throw new ApiError(412, 'PRECONDITION', err.message);
      throw err;
    }
    await api.projectExtension?.removed(project);
    return {};
  });
}

/** Harbor's `storage_limit` (bytes, -1 unlimited), checked before anything is written. */
function storageLimit(body: { storage_limit?: unknown }): number | undefined {
  const v = body.storage_limit;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -1)
    throw invalidField('storage_limit', 'storage_limit must be an integer number of bytes, or -1 for unlimited');
  return v;
}
