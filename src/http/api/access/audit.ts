/** Audit logs: /audit-logs (system administrators) and /projects/{project}/logs. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditEvent, AuditQuery } from '../../../core/access/ports.ts';
import { type AccessApi, callerOf, paged, projectParam, requireOn, sliceOf, sysadminOf } from './context.ts';

function auditView(e: AuditEvent) {
  return {
    id: e.id,
    username: e.username,
    resource: e.resource,
    resource_type: e.resourceType,
    operation: e.operation,
    operation_result: e.result === 'success',
    project_name: e.project,
    client_address: e.address,
    op_time: e.time,
  };
}

/** Harbor's q: `operation=push,username=alice,resource_type=artifact`. */
function filters(request: FastifyRequest): Partial<AuditQuery> {
  const query = request.query as Record<string, string | undefined>;
  const out: Partial<AuditQuery> = {};
  for (const kv of (query.q ?? '').split(',')) {
    const [k, v] = kv.split('=');
    if (!v) continue;
    if (k === 'operation') out.operation = v;
    if (k === 'username') out.username = v;
    if (k === 'resource_type') out.resourceType = v;
  }
  return out;
}

export async function auditRoutes(app: FastifyInstance, api: AccessApi): Promise<void> {
  const list = async (request: FastifyRequest, reply: FastifyReply, project?: string) => {
    const slice = sliceOf(request);
    const { items, total } = await api.access.listAudit({ ...slice, ...filters(request), project });
    return paged(request, reply, slice, total, items.map(auditView));
  };

  app.get('/audit-logs', async (request, reply) => {
    await sysadminOf(api, request);
    return list(request, reply);
  });

  app.get('/projects/:project/logs', async (request, reply) => {
    const who = await callerOf(api, request);
    const project = await projectParam(api, request, (request.params as { project: string }).project);
    await requireOn(api, who, project, 'readAuditLog');
    return list(request, reply, project.name);
  });
}
