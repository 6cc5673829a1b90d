/** Audit logs: /audit-logs (system administrators) and /projects/{project}/logs. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AuditEvent, AuditQuery as AuditFilter } from '../../../core/access/ports.ts';
import { doc, typed } from '../../shared/schemas.ts';
import { type AccessApi, callerOf, paged, projectParam, requireOn, sliceOf, sysadminOf } from './context.ts';
import { AuditLog, AuditQuery, ProjectName } from './schemas.ts';

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
function filters(request: FastifyRequest): Partial<AuditFilter> {
  const query = request.query as Record<string, string | undefined>;
  const out: Partial<AuditFilter> = {};
  for (const kv of (query.q ?? '').split(',')) {
    const [k, v] = kv.split('=');
    if (!v) continue;
    if (k === 'operation') out.operation = v;
    if (k === 'username') out.username = v;
    if (k === 'resource_type') out.resourceType = v;
  }
  return out;
}

export async function auditRoutes(parent: FastifyInstance, api: AccessApi): Promise<void> {
  const app = typed(parent);
  const page = { querystring: AuditQuery, response: { 200: Type.Array(AuditLog) } };
  const list = async (request: FastifyRequest, reply: FastifyReply, project?: string) => {
    const slice = sliceOf(request);
    const { items, total } = await api.access.listAudit({ ...slice, ...filters(request), project });
    return paged(request, reply, slice, total, items.map(auditView));
  };

  app.get(
    '/audit-logs',
    { schema: { ...doc('audit', 'The audit log (system administrators)'), ...page } },
    async (request, reply) => {
      await sysadminOf(api, request);
      return list(request, reply);
    },
  );

  const logs = { ...doc('audit', "A project's audit log"), params: ProjectName, ...page };
  app.get('/projects/:project_name_or_id/logs', { schema: logs }, async (request, reply) => {
    const who = await callerOf(api, request);
    const project = await projectParam(api, request, request.params.project_name_or_id);
    await requireOn(api, who, project, 'readAuditLog');
    return list(request, reply, project.name);
  });
}
