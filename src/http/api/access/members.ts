/** /projects/{project}/members in Harbor's shapes (user members; groups are not supported). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { MemberRecord } from '../../../core/access/ports.ts';
import type { Principal } from '../../../core/access/principal.ts';
import { ProjectService } from '../../../core/access/project-service.ts';
import { ROLE_IDS, ROLE_NAMES, roleById } from '../../../core/access/roles.ts';
import { doc, Empty, NoBody, typed } from '../../shared/schemas.ts';
import { badRequest, notFound } from '../errors.ts';
import { type AccessApi, addressOf, callerOf, paged, projectParam, requireOn, sliceOf } from './context.ts';
import {
  MemberListQuery,
  MemberParams,
  ProjectMember,
  ProjectMemberEntity,
  ProjectNameOrId,
  RoleRequest,
} from './schemas.ts';

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

export async function memberRoutes(parent: FastifyInstance, api: AccessApi): Promise<void> {
  const app = typed(parent);
  const store = api.access.store;
  const scoped = async (request: FastifyRequest, permission: 'listMembers' | 'manageMembers') => {
    const who = await callerOf(api, request);
    const project = await projectParam(
      api,
      request,
      (request.params as { project_name_or_id: string }).project_name_or_id,
    );
    await requireOn(api, who, project, permission);
    return { who, project };
  };
  const projects = new ProjectService(api.access, api.registry);
  const actor = (request: FastifyRequest, who: Principal) => ({
    name: 'name' in who ? who.name : 'anonymous',
    address: addressOf(request),
  });
  const member = async (request: FastifyRequest, projectId: number) => {
    const id = (request.params as { mid: number }).mid;
    const m = await store.memberById(projectId, id);
    if (!m) throw notFound(`member ${id} not found`);
    return m;
  };

  const list = {
    ...doc('members', 'Members of a project'),
    params: ProjectNameOrId,
    querystring: MemberListQuery,
    response: { 200: Type.Array(ProjectMemberEntity) },
  };
  app.get('/projects/:project_name_or_id/members', { schema: list }, async (request, reply) => {
    const { project } = await scoped(request, 'listMembers');
    const slice = sliceOf(request);
    const q = request.query;
    const { items, total } = await store.listMembers(project.id, { ...slice, username: q.entityname });
    return paged(request, reply, slice, total, items.map(memberView));
  });

  const add = {
    ...doc('members', 'Add a member'),
    params: ProjectNameOrId,
    body: ProjectMember,
    response: { 201: NoBody },
  };
  app.post('/projects/:project_name_or_id/members', { schema: add }, async (request, reply) => {
    const { who, project } = await scoped(request, 'manageMembers');
    const body = request.body;
    const role = roleById(body.role_id);
    if (!role)
      throw badRequest(
        'role_id must be 1 (projectAdmin), 2 (developer), 3 (guest), 4 (maintainer) or 5 (limitedGuest)',
      );
    const ref = body.member_user ?? {};
    const user =
      ref.user_id !== undefined
        ? await store.userById(ref.user_id)
        : ref.username
          ? await store.userByName(ref.username)
          : null;
    if (!user) throw notFound('member_user not found');
    const created = await projects.addMember(project, user, role, actor(request, who));
    reply.status(201).header('location', `/api/v2.0/projects/${project.id}/members/${created.id}`).send();
  });

  const get = { ...doc('members', 'One member'), params: MemberParams, response: { 200: ProjectMemberEntity } };
  app.get('/projects/:project_name_or_id/members/:mid', { schema: get }, async (request) => {
    const { project } = await scoped(request, 'listMembers');
    return memberView(await member(request, project.id));
  });

  const put = {
    ...doc('members', "Change a member's role"),
    params: MemberParams,
    body: RoleRequest,
    response: { 200: Empty },
  };
  app.put('/projects/:project_name_or_id/members/:mid', { schema: put }, async (request) => {
    const { who, project } = await scoped(request, 'manageMembers');
    const m = await member(request, project.id);
    const role = roleById(request.body.role_id);
    if (!role) throw badRequest('role_id must be 1 to 5');
    await projects.setMemberRole(project, m, role, actor(request, who));
    return {};
  });

  const del = { ...doc('members', 'Remove a member'), params: MemberParams, response: { 200: Empty } };
  app.delete('/projects/:project_name_or_id/members/:mid', { schema: del }, async (request) => {
    const { who, project } = await scoped(request, 'manageMembers');
    const m = await member(request, project.id);
    await projects.removeMember(project, m, actor(request, who));
    return {};
  });
}
