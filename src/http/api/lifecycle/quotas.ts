/**
 * Harbor's quotas: GET /quotas (reference=project&reference_id=), GET/PUT
 * /quotas/{id} with `hard.storage` (bytes, -1 unlimited) and `used.storage`
 * (bytes stored, each blob once per project). Berth adds `usage` with the
 * logical bytes (sum of tagged image sizes) against the physical ones, and
 * GET /storage/usage for the whole registry. A quota's id is its project's.
 */

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ProjectRecord } from '../../../core/access/ports.ts';
import { LifecycleSettings } from '../../../features/lifecycle/settings.ts';
import { notFound } from '../errors.ts';
import { ErrorBody, type LifecycleApiOptions, Paging, pageHeaders, requireSysadmin, slice } from './context.ts';

const Usage = Type.Object({ logical: Type.Integer(), physical: Type.Integer() });
const QuotaView = Type.Object({
  id: Type.Integer(),
  ref: Type.Object({ id: Type.Integer(), name: Type.String(), owner_name: Type.String() }),
  hard: Type.Object({ storage: Type.Integer() }),
  used: Type.Object({ storage: Type.Integer() }),
  usage: Usage,
  creation_time: Type.String(),
  update_time: Type.String(),
});

export async function quotaRoutes(root: FastifyInstance, o: LifecycleApiOptions): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { store } = o.lifecycle;

  const view = async (project: ProjectRecord) => {
    const quota = await store.quota(project.id);
    const usage = await store.usage(project.name);
    return {
      id: project.id,
      ref: { id: project.id, name: project.name, owner_name: '' },
      hard: { storage: quota?.hardStorage ?? -1 },
      used: { storage: usage.physical },
      usage,
      creation_time: quota?.createdAt ?? project.createdAt,
      update_time: quota?.updatedAt ?? project.updatedAt,
    };
  };
  const projects = () => {
    if (!o.api) throw notFound('quotas need the identity module (projects)');
    return o.api.access.store;
  };

  app.get(
    '/quotas',
    {
      schema: {
        querystring: Type.Intersect([
          Paging,
          Type.Object({
            reference: Type.Optional(Type.Literal('project')),
            reference_id: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
          }),
        ]),
        response: { 200: Type.Array(QuotaView), 400: ErrorBody },
      },
    },
    async (request, reply) => {
      await requireSysadmin(o, request);
      const s = slice(request.query);
      const q = request.query as { reference_id?: string };
      if (q.reference_id !== undefined) {
        const project = await projects().projectById(Number(q.reference_id));
        pageHeaders(reply, project ? 1 : 0);
        return project ? [await view(project)] : [];
      }
      const { items, total } = await projects().listProjects({ offset: s.offset, limit: s.pageSize });
      pageHeaders(reply, total);
      return Promise.all(items.map(view));
    },
  );

  app.get(
    '/quotas/:id',
    {
      schema: {
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        response: { 200: QuotaView, 404: ErrorBody },
      },
    },
    async (request) => {
      await requireSysadmin(o, request);
      const project = await projects().projectById(request.params.id);
      if (!project) throw notFound(`quota ${request.params.id} not found`);
      return view(project);
    },
  );

  app.put(
    '/quotas/:id',
    {
      schema: {
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        body: Type.Object({ hard: Type.Object({ storage: Type.Integer({ minimum: -1 }) }) }),
        response: { 200: Type.Null(), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await requireSysadmin(o, request);
      const project = await projects().projectById(request.params.id);
      if (!project) throw notFound(`quota ${request.params.id} not found`);
      await new LifecycleSettings(store).setQuota(project, request.body.hard.storage);
      reply.status(200).send(null);
    },
  );

  app.get('/storage/usage', { schema: { response: { 200: Usage } } }, async (request) => {
    await requireSysadmin(o, request);
    return store.registryUsage();
  });
}
