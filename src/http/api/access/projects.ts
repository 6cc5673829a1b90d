/** /projects in Harbor's shapes: list, create, head, get, update, delete. */
import type { FastifyInstance } from 'fastify';
import type { ProjectRecord } from '../../../core/access/ports.ts';
import type { Principal } from '../../../core/access/principal.ts';
import { ROLE_IDS } from '../../../core/access/roles.ts';
import { isValidName } from '../../../core/names.ts';
import { ApiError, badRequest, conflict } from '../errors.ts';
import { type AccessApi, addressOf, callerOf, paged, projectParam, requireOn, sliceOf, userOf } from './context.ts';

interface ProjectReq {
  project_name?: string;
  public?: boolean;
  metadata?: { public?: string | boolean } & Record<string, unknown>;
}

function publicFlag(body: ProjectReq): boolean | undefined {
  if (typeof body.public === 'boolean') return body.public;
  const m = body.metadata?.public;
  if (m === undefined) return undefined;
  if (m === true || m === 'true') return true;
  if (m === false || m === 'false') return false;
  throw badRequest('metadata.public must be "true" or "false"');
}

async function repositoriesOf(api: AccessApi, name: string, limit: number): Promise<string[]> {
  const out: string[] = (await api.registry.metadata.repositoryExists(name)) ? [name] : [];
  let last = name;
  for (;;) {
    const page = await api.registry.metadata.listRepositories({ last, n: 100 });
    for (const repo of page) {
      if (!repo.startsWith(name)) return out;
      if (repo === name || repo.startsWith(`${name}/`)) out.push(repo);
      if (out.length >= limit) return out;
    }
    if (page.length < 100) return out;
    last = page[page.length - 1];
  }
}

async function view(api: AccessApi, who: Principal, p: ProjectRecord, withCount: boolean) {
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
    ...(withCount ? { repo_count: (await repositoriesOf(api, p.name, 100_000)).length } : {}),
    ...(await extraFields(api, p.id)),
    metadata: { public: String(p.public), ...(await extraMetadata(api, p.id)) },
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
async function writeMetadata(api: AccessApi, projectId: number | null, body: ProjectReq): Promise<void> {
  const extensions = api.projectMetadata ?? [];
  const metadata = body.metadata ?? {};
  const whole = body as Record<string, unknown>;
  for (const e of extensions) e.check(metadata, whole);
  if (projectId !== null) for (const e of extensions) await e.write(projectId, metadata, whole);
}

export async function projectRoutes(app: FastifyInstance, api: AccessApi): Promise<void> {
  const store = api.access.store;

  app.get('/projects', { exposeHeadRoute: false }, async (request, reply) => {
    const who = await callerOf(api, request);
    const slice = sliceOf(request);
    const q = request.query as Record<string, string | undefined>;
    const visibleTo = who.kind === 'user' ? (who.sysadmin ? undefined : who.id) : null;
    let { items, total } = await store.listProjects({ ...slice, name: q.name, visibleTo });
    if (who.kind === 'robot') {
      // A robot sees the public projects (above) and those its permissions name.
      const names = new Set(who.permissions.map((p) => p.namespace));
      const all = await store.listProjects({ offset: 0, limit: 100_000, name: q.name });
      const seen = all.items.filter((p) => p.public || names.has(p.name) || names.has('*'));
      items = seen.slice(slice.offset, slice.offset + slice.limit);
      total = seen.length;
    }
    if (q.public !== undefined) items = items.filter((p) => String(p.public) === q.public);
    return paged(request, reply, slice, total, await Promise.all(items.map((p) => view(api, who, p, false))));
  });

  app.head('/projects', async (request, reply) => {
    await userOf(api, request);
    const name = (request.query as Record<string, string | undefined>).project_name ?? '';
    reply.status((await store.projectByName(name)) ? 200 : 404).send();
  });

  app.post('/projects', async (request, reply) => {
    const who = await userOf(api, request);
    if (who.kind !== 'user') throw new ApiError(403, 'FORBIDDEN', 'robots may not create projects');
    const body = (request.body ?? {}) as ProjectReq;
    const name = body.project_name ?? '';
    if (!isValidName(name) || name.includes('/') || name.length > 255)
      throw badRequest('project_name must be lower case letters, digits and . _ - separators');
    await writeMetadata(api, null, body);
    const created = await store.createProject({ name, public: publicFlag(body) ?? false, ownerId: who.id || null });
    if (!created) throw conflict(`project ${name} already exists`);
    await writeMetadata(api, created.id, body);
    if (who.id) await store.addMember(created.id, who.id, 'projectAdmin');
    await api.access.audit({
      username: who.name,
      resource: name,
      resourceType: 'project',
      operation: 'create',
      result: 'success',
      project: name,
      address: addressOf(request),
    });
    reply.status(201).header('location', `/api/v2.0/projects/${created.id}`).send();
  });

  app.get('/projects/:project', async (request) => {
    const who = await callerOf(api, request);
    const project = await projectParam(api, request, (request.params as { project: string }).project);
    await requireOn(api, who, project, 'pull');
    return view(api, who, project, true);
  });

  app.put('/projects/:project', async (request) => {
    const who = await userOf(api, request);
    const project = await projectParam(api, request, (request.params as { project: string }).project);
    await requireOn(api, who, project, 'changeSettings');
    const flag = publicFlag((request.body ?? {}) as ProjectReq);
    await writeMetadata(api, project.id, (request.body ?? {}) as ProjectReq);
    if (flag !== undefined && flag !== project.public) {
      await store.updateProject(project.id, { public: flag });
      await api.access.audit({
        username: who.name,
        resource: project.name,
        resourceType: 'project',
        operation: flag ? 'make_public' : 'make_private',
        result: 'success',
        project: project.name,
        address: addressOf(request),
      });
    }
    return {};
  });

  app.delete('/projects/:project', async (request) => {
    const who = await userOf(api, request);
    const project = await projectParam(api, request, (request.params as { project: string }).project);
    await requireOn(api, who, project, 'changeSettings');
    const repos = await repositoriesOf(api, project.name, 1);
    if (repos.length > 0)
      throw new ApiError(412, 'PRECONDITION', `project ${project.name} still holds repositories: delete them first`);
    await store.deleteProject(project.id);
    await api.access.audit({
      username: who.name,
      resource: project.name,
      resourceType: 'project',
      operation: 'delete',
      result: 'success',
      project: project.name,
      address: addressOf(request),
    });
    return {};
  });
}
