/**
 * /robots in Harbor's shapes: project robots (`robot$team+ci`) and system
 * robots (`robot$ci`); the secret is returned once, at creation and refresh.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { generateSecret, hashSecret } from '../../../core/access/passwords.ts';
import type { ProjectRecord, RobotPermission, RobotRecord } from '../../../core/access/ports.ts';
import type { Principal } from '../../../core/access/principal.ts';
import {
  PULL_ONLY,
  permissionProblem,
  robotExpiry,
  robotFullName,
  validRobotShortName,
} from '../../../core/access/robots.ts';
import { badRequest, conflict, forbidden, notFound } from '../errors.ts';
import { type AccessApi, addressOf, idParam, paged, projectParam, requireOn, sliceOf, userOf } from './context.ts';

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

/** `duration` in days: -1 (or 0) never expires. */
function expiryOf(duration: unknown): string | null {
  try {
    return robotExpiry(duration);
  } catch (err) {
    throw badRequest((err as Error).message);
  }
}

interface RobotReq {
  name?: string;
  description?: string;
  level?: 'project' | 'system';
  duration?: number;
  disable?: boolean;
  permissions?: RobotPermission[];
}

export async function robotRoutes(app: FastifyInstance, api: AccessApi): Promise<void> {
  const store = api.access.store;

  /** May `who` manage robots at this level (of this project)? */
  const mayManage = async (who: Principal, level: 'project' | 'system', project: ProjectRecord | null) => {
    if (who.kind === 'user' && who.sysadmin) return;
    if (level === 'system' || !project) throw forbidden('only system administrators manage system robots');
    await requireOn(api, who, project, 'manageRobots');
  };
  const robotParam = async (request: FastifyRequest) => {
    const who = await userOf(api, request);
    const id = idParam((request.params as { id: string }).id, 'robot id');
    const robot = await store.robotById(id);
    if (!robot) throw notFound(`robot ${id} not found`);
    const project = robot.projectId !== null ? await store.projectById(robot.projectId) : null;
    await mayManage(who, robot.level, project);
    return { who, robot, project };
  };
  const audit = (request: FastifyRequest, who: Principal, robot: string, project: string | null, operation: string) =>
    api.access.audit({
      username: who.kind === 'anonymous' ? 'anonymous' : who.name,
      resource: robot,
      resourceType: 'robot',
      operation,
      result: 'success',
      project,
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
    const permissions = body.permissions ?? [{ kind: 'project', namespace: project?.name ?? '*', access: PULL_ONLY }];
    const problem = permissionProblem(permissions, level, project?.name);
    if (problem) throw badRequest(problem);
    const name = robotFullName(level, body.name as string, project?.name);
    const made = await api.access.createRobot({
      name,
      description: body.description ?? '',
      level,
      projectId: project?.id ?? null,
      disabled: body.disable === true,
      expiresAt: expiryOf(body.duration),
      permissions,
      creator: who.name,
    });
    if (!made) throw conflict(`robot ${name} already exists`);
    const { robot, secret } = made;
    await audit(request, who, name, project?.name ?? null, 'create');
    return {
      id: robot.id,
      name: robot.name,
      secret,
      creation_time: robot.createdAt,
      expires_at: unix(robot.expiresAt),
    };
  };

  app.post('/robots', async (request, reply) => {
    const created = await create(request, (request.body ?? {}) as RobotReq);
    reply.status(201).header('location', `/api/v2.0/robots/${created.id}`).send(created);
  });

  app.post('/projects/:project/robots', async (request, reply) => {
    const project = await projectParam(api, request, (request.params as { project: string }).project);
    const created = await create(request, (request.body ?? {}) as RobotReq, project);
    reply.status(201).header('location', `/api/v2.0/robots/${created.id}`).send(created);
  });

  app.get('/robots', async (request, reply) => {
    const who = await userOf(api, request);
    const slice = sliceOf(request);
    const q = (request.query as Record<string, string | undefined>).q ?? '';
    // Harbor's query: q=Level=project,ProjectID=1
    const params = Object.fromEntries(q.split(',').map((kv) => kv.split('=') as [string, string]));
    let projectId: number | undefined;
    if (params.ProjectID !== undefined) {
      const project = await store.projectById(Number(params.ProjectID));
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

  app.get('/projects/:project/robots', async (request, reply) => {
    const who = await userOf(api, request);
    const project = await projectParam(api, request, (request.params as { project: string }).project);
    await mayManage(who, 'project', project);
    const slice = sliceOf(request);
    const { items, total } = await store.listRobots({ ...slice, projectId: project.id });
    return paged(request, reply, slice, total, items.map(robotView));
  });

  app.get('/robots/:id', async (request) => robotView((await robotParam(request)).robot));

  app.put('/robots/:id', async (request) => {
    const { who, robot, project } = await robotParam(request);
    const body = (request.body ?? {}) as RobotReq;
    if (body.permissions !== undefined) {
      const problem = permissionProblem(body.permissions, robot.level, project?.name);
      if (problem) throw badRequest(problem);
    }
    if (body.disable !== undefined && typeof body.disable !== 'boolean') throw badRequest('disable must be a boolean');
    await store.updateRobot(robot.id, {
      description: body.description,
      disabled: body.disable,
      permissions: body.permissions,
      expiresAt: body.duration !== undefined ? expiryOf(body.duration) : undefined,
    });
    const op = body.disable === true ? 'disable' : body.disable === false ? 'enable' : 'update';
    await audit(request, who, robot.name, project?.name ?? null, op);
    return {};
  });

  /** Refresh the secret: a given one (8+ chars with upper, lower, digit) or a generated one. */
  app.patch('/robots/:id', async (request) => {
    const { who, robot, project } = await robotParam(request);
    const given = (request.body as { secret?: string } | undefined)?.secret;
    if (given !== undefined && (given.length < 8 || !/[A-Z]/.test(given) || !/[a-z]/.test(given) || !/\d/.test(given)))
      throw badRequest('secret must be 8+ characters with an upper case letter, a lower case letter and a digit');
    const secret = given ?? generateSecret();
    await store.updateRobot(robot.id, { secretHash: await hashSecret(secret) });
    await audit(request, who, robot.name, project?.name ?? null, 'refresh_secret');
    await api.onRobotSecretRotated?.(robot.name, secret);
    return { secret };
  });

  app.delete('/robots/:id', async (request) => {
    const { who, robot, project } = await robotParam(request);
    await store.deleteRobot(robot.id);
    await audit(request, who, robot.name, project?.name ?? null, 'delete');
    return {};
  });
}
