/** /projects/{project}/members in Harbor's shapes (user members; groups are not supported). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MemberRecord } from '../../../core/access/ports.ts';
import { ROLE_IDS, ROLE_NAMES, roleById } from '../../../core/access/roles.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { type AccessApi, addressOf, callerOf, idParam, paged, projectParam, requireOn, sliceOf } from './context.ts';

function memberView(m: MemberRecord) {
  return {
    id: m.id,
    project_id: m.projectId,
    entity_name: m.username,
    entity_id: m.userId,
    entity_type: 'u',
    role_id: ROLE_IDS[m.role],
    role_name: ROLE_NAMES[m.role],
  };
}

export async function memberRoutes(app: FastifyInstance, api: AccessApi): Promise<void> {
  const store = api.access.store;
  const scoped = async (request: FastifyRequest, permission: 'listMembers' | 'manageMembers') => {
    const who = await callerOf(api, request);
    const project = await projectParam(api, request, (request.params as { project: string }).project);
    await requireOn(api, who, project, permission);
    return { who, project };
  };
  const audit = (request: FastifyRequest, who: string, project: string, resource: string, operation: string) =>
    api.access.audit({
      username: who,
      resource,
      resourceType: 'member',
      operation,
      result: 'success',
      project,
      address: addressOf(request),
    });
  const member = async (request: FastifyRequest, projectId: number) => {
    const id = idParam((request.params as { mid: string }).mid, 'member id');
    const m = await store.memberById(projectId, id);
    if (!m) throw notFound(`member ${id} not found`);
    return m;
  };

  app.get('/projects/:project/members', async (request, reply) => {
    const { project } = await scoped(request, 'listMembers');
    const slice = sliceOf(request);
    const q = request.query as Record<string, string | undefined>;
    const { items, total } = await store.listMembers(project.id, { ...slice, username: q.entityname });
    return paged(request, reply, slice, total, items.map(memberView));
  });

  app.post('/projects/:project/members', async (request, reply) => {
    const { who, project } = await scoped(request, 'manageMembers');
    const body = (request.body ?? {}) as { role_id?: number; member_user?: { user_id?: number; username?: string } };
    const role = roleById(Number(body.role_id));
    if (!role)
      throw badRequest(
        'role_id must be 1 (projectAdmin), 2 (developer), 3 (guest), 4 (maintainer) or 5 (limitedGuest)',
      );
    const ref = body.member_user ?? {};
    const user =
      ref.user_id !== undefined
        ? await store.userById(Number(ref.user_id))
        : ref.username
          ? await store.userByName(ref.username)
          : null;
    if (!user) throw notFound('member_user not found');
    const created = await store.addMember(project.id, user.id, role);
    if (!created) throw conflict(`${user.username} is already a member of ${project.name}`);
    await audit(request, 'name' in who ? who.name : 'anonymous', project.name, `${user.username}:${role}`, 'add');
    reply.status(201).header('location', `/api/v2.0/projects/${project.id}/members/${created.id}`).send();
  });

  app.get('/projects/:project/members/:mid', async (request) => {
    const { project } = await scoped(request, 'listMembers');
    return memberView(await member(request, project.id));
  });

  app.put('/projects/:project/members/:mid', async (request) => {
    const { who, project } = await scoped(request, 'manageMembers');
    const m = await member(request, project.id);
    const role = roleById(Number((request.body as { role_id?: number } | undefined)?.role_id));
    if (!role) throw badRequest('role_id must be 1 to 5');
    await store.updateMember(m.id, role);
    await audit(request, 'name' in who ? who.name : 'anonymous', project.name, `${m.username}:${role}`, 'update');
    return {};
  });

  app.delete('/projects/:project/members/:mid', async (request) => {
    const { who, project } = await scoped(request, 'manageMembers');
    const m = await member(request, project.id);
    await store.removeMember(m.id);
    await audit(request, 'name' in who ? who.name : 'anonymous', project.name, m.username, 'remove');
    return {};
  });
}
