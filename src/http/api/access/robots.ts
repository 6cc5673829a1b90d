/**
 * /robots in Harbor's shapes: project robots (`robot$team+ci`) and system
 * robots (`robot$ci`); the secret is returned once, at creation and refresh.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { ProjectRecord, RobotPermission, RobotRecord } from '../../../core/access/ports.ts';
import type { Principal } from '../../../core/access/principal.ts';
import { type Actor, RobotService } from '../../../core/access/robot-service.ts';
import { PULL_ONLY, validRobotShortName } from '../../../core/access/robots.ts';
import { doc, Empty, MAX_ID, typed } from '../../shared/schemas.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { type AccessApi, addressOf, paged, projectParam, requireOn, sliceOf, userOf } from './context.ts';
import {
  ProjectNameOrId,
  Robot,
  RobotCreate,
  RobotCreated,
  RobotId,
  RobotListQuery,
  RobotSec,
  RobotSecReq,
} from './schemas.ts';

const unix = (iso: string | null) => (iso === null ? -1 : Math.floor(Date.parse(iso) / 1000));

function robotView(r: RobotRecord) {
  const expires = unix(r.expiresAt);
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    level: r.level,
    disable: r.disabled,
    editable: true,
    expires_at: expires,
    duration:
      expires === -1 ? -1 : Math.round((Date.parse(r.expiresAt as string) - Date.parse(r.createdAt)) / 86_400_000),
    permissions: r.permissions,
    creation_time: r.createdAt,
    update_time: r.updatedAt,
  };
}

type RobotReq = Static<typeof RobotCreate>;

export async function robotRoutes(parent: FastifyInstance, api: AccessApi): Promise<void> {
  const app = typed(parent);
  const store = api.access.store;

  /** May `who` manage robots at this level (of this project)? */
  const mayManage = async (who: Principal, level: 'project' | 'system', project: ProjectRecord | null) => {
    if (who.kind === 'user' && who.sysadmin) return;
    if (level === 'system' || !project) throw forbidden('only system administrators manage system robots');
    await requireOn(api, who, project, 'manageRobots');
  };
  const robotParam = async (request: FastifyRequest) => {
    const who = await userOf(api, request);
    const id = (request.params as { robot_id: number }).robot_id;
    const robot = await store.robotById(id);
    if (!robot) throw notFound(`robot ${id} not found`);
    const project = robot.projectId !== null ? await store.projectById(robot.projectId) : null;
    await mayManage(who, robot.level, project);
    return { who, robot, project };
  };
  const robots = new RobotService(api.access, api.onRobotSecretRotated, api.robotSecretOverlap);
  const actor = (request: FastifyRequest, who: Principal): Actor => ({
    name: who.kind === 'anonymous' ? 'anonymous' : who.name,
    address: addressOf(request),
  });

  const create = async (request: FastifyRequest, body: RobotReq, fixedProject?: ProjectRecord) => {
    const who = await userOf(api, request);
    const level = fixedProject ? 'project' : (body.level ?? 'project');
    if (level !== 'project' && level !== 'system') throw badRequest('level must be project or system');
    if (!validRobotShortName(body.name ?? '')) throw badRequest('name must be lower case letters, digits and . _ -');
    let project = fixedProject ?? null;
    if (level === 'project' && !project) {
      const ns = body.permissions?.[0]?.namespace;
      if (!ns) throw badRequest('a project robot needs permissions naming its project');
      project = await store.projectByName(ns);
      if (!project) throw notFound(`project ${ns} not found`);
    }
    await mayManage(who, level, project);
    const permissions = (body.permissions as RobotPermission[] | undefined) ?? [
      { kind: 'project', namespace: project?.name ?? '*', access: PULL_ONLY },
    ];
    const { robot, secret } = await robots.create(
      {
        level,
        name: body.name as string,
        project,
        description: body.description,
        disabled: body.disable,
        days: body.duration,
        permissions,
        creator: who.name,
      },
      actor(request, who),
    );
    return {
      id: robot.id,
      name: robot.name,
      secret,
      creation_time: robot.createdAt,
      expires_at: unix(robot.expiresAt),
    };
  };

  const made = { 201: RobotCreated };
  const createSystem = { ...doc('robots', 'Create a robot (secret shown once)'), body: RobotCreate, response: made };
  app.post('/robots', { schema: createSystem }, async (request, reply) => {
    const created = await create(request, request.body);
    reply.status(201).header('location', `/api/v2.0/robots/${created.id}`).send(created);
  });

  const createInProject = {
    ...doc('robots', 'Create a project robot (secret shown once)'),
    params: ProjectNameOrId,
    body: RobotCreate,
    response: made,
  };
  app.post('/projects/:project_name_or_id/robots', { schema: createInProject }, async (request, reply) => {
    const project = await projectParam(api, request, request.params.project_name_or_id);
    const created = await create(request, request.body, project);
    reply.status(201).header('location', `/api/v2.0/robots/${created.id}`).send(created);
  });

  const robotList = { 200: Type.Array(Robot) };
  const list = { ...doc('robots', 'Robot accounts'), querystring: RobotListQuery, response: robotList };
  app.get('/robots', { schema: list }, async (request, reply) => {
    const who = await userOf(api, request);
    const slice = sliceOf(request);
    const q = request.query.q ?? '';
    // Harbor's query: q=Level=project,ProjectID=1
    const params = Object.fromEntries(q.split(',').map((kv) => kv.split('=') as [string, string]));
    let projectId: number | undefined;
    if (params.ProjectID !== undefined) {
      const id = Number(params.ProjectID);
      if (!Number.isSafeInteger(id) || id < 1 || id > MAX_ID) throw badRequest('q: ProjectID must be a project id');
      const project = await store.projectById(id);
      if (!project) throw notFound('project not found');
      await mayManage(who, 'project', project);
      projectId = project.id;
    } else if (!(who.kind === 'user' && who.sysadmin)) {
      throw forbidden('name a project: q=ProjectID=N');
    }
    const level = params.Level === 'system' || params.Level === 'project' ? params.Level : undefined;
    const { items, total } = await store.listRobots({ ...slice, projectId, level });
    return paged(request, reply, slice, total, items.map(robotView));
  });

  const inProject = {
    ...doc('robots', "A project's robot accounts"),
    params: ProjectNameOrId,
    querystring: RobotListQuery,
    response: robotList,
  };
  app.get('/projects/:project_name_or_id/robots', { schema: inProject }, async (request, reply) => {
    const who = await userOf(api, request);
    const project = await projectParam(api, request, request.params.project_name_or_id);
    await mayManage(who, 'project', project);
    const slice = sliceOf(request);
    const { items, total } = await store.listRobots({ ...slice, projectId: project.id });
    return paged(request, reply, slice, total, items.map(robotView));
  });

  const get = { ...doc('robots', 'One robot'), params: RobotId, response: { 200: Robot } };
  app.get('/robots/:robot_id', { schema: get }, async (request) => robotView((await robotParam(request)).robot));

  const put = { ...doc('robots', 'Change a robot'), params: RobotId, body: RobotCreate, response: { 200: Empty } };
  app.put('/robots/:robot_id', { schema: put }, async (request) => {
    const { who, robot, project } = await robotParam(request);
    const body = request.body;
    const change = {
      description: body.description,
      disabled: body.disable,
      permissions: body.permissions as RobotPermission[] | undefined,
      days: body.duration,
    };
    await robots.update(robot, project, change, actor(request, who));
    return {};
  });

  /** Refresh the secret: a given one (8+ chars with upper, lower, digit) or a generated one. */
  const refresh = {
    ...doc('robots', "Refresh a robot's secret"),
    params: RobotId,
    body: RobotSecReq,
    response: { 200: RobotSec },
  };
  app.patch('/robots/:robot_id', { schema: refresh }, async (request) => {
    const { who, robot, project } = await robotParam(request);
    const { secret } = await robots.rotateSecret(robot, project, actor(request, who), request.body.secret);
    return { secret };
  });

  const del = { ...doc('robots', 'Delete a robot'), params: RobotId, response: { 200: Empty } };
  app.delete('/robots/:robot_id', { schema: del }, async (request) => {
    const { who, robot, project } = await robotParam(request);
    await robots.delete(robot, project, actor(request, who));
    return {};
  });
}
