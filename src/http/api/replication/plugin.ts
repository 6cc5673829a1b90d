/**
 * Replication in Harbor's shapes (/api/v2.0/replication/…): policies,
 * executions (start, stop), their tasks and task logs. System administrators only.
 * Berth adds `bytes` to executions and tasks and `attempts` to tasks.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RegistriesService } from '../../../features/registries/service.ts';
import {
  ReplicationBusyError,
  ReplicationConflictError,
  ReplicationInputError,
  ReplicationNotFoundError,
} from '../../../features/replication/errors.ts';
import type { PolicyInput } from '../../../features/replication/policy-input.ts';
import type { ReplicationService } from '../../../features/replication/service.ts';
import type { ExecutionRecord, PolicyRecord, TaskRecord } from '../../../features/replication/store.ts';
import { paged, sliceOf } from '../access/context.ts';
import { ApiError, conflict, invalidField, notFound } from '../errors.ts';
import { registryView } from '../registries/plugin.ts';

export interface ReplicationApiOptions {
  replication: ReplicationService;
  registries: RegistriesService;
  authorize?: (request: FastifyRequest) => Promise<void>;
}

// `nullable` rather than a union with null: Fastify's Ajv coerces types, and coercion inside anyOf alters the data.
const RegistryRef = Type.Object({ id: Type.Optional(Type.Integer({ minimum: 0 })) }, { nullable: true });

const PolicyBody = Type.Object({
  id: Type.Optional(Type.Integer()),
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: Type.Optional(Type.String()),
  src_registry: Type.Optional(RegistryRef),
  dest_registry: Type.Optional(RegistryRef),
  dest_namespace: Type.Optional(Type.String()),
  dest_namespace_replace_count: Type.Optional(Type.Integer({ minimum: -1, nullable: true })),
  trigger: Type.Optional(
    Type.Object(
      {
        type: Type.Optional(Type.String()),
        trigger_settings: Type.Optional(Type.Object({ cron: Type.Optional(Type.String()) }, { nullable: true })),
      },
      { nullable: true },
    ),
  ),
  filters: Type.Optional(
    Type.Array(
      Type.Object({
        type: Type.String(),
        // A string, or Harbor's list form for labels.
        value: Type.Unknown(),
        decoration: Type.Optional(Type.String()),
      }),
      { nullable: true },
    ),
  ),
  replicate_deletion: Type.Optional(Type.Boolean()),
  deletion: Type.Optional(Type.Boolean()),
  override: Type.Optional(Type.Boolean()),
  enabled: Type.Optional(Type.Boolean()),
  creation_time: Type.Optional(Type.String()),
  update_time: Type.Optional(Type.String()),
  speed: Type.Optional(Type.Integer({ minimum: -1, nullable: true })),
  copy_by_chunk: Type.Optional(Type.Boolean({ nullable: true })),
  single_active_replication: Type.Optional(Type.Boolean({ nullable: true })),
});

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const TaskParams = Type.Object({ id: Type.Integer({ minimum: 1 }), task_id: Type.Integer({ minimum: 1 }) });
const Paging = {
  page: Type.Optional(Type.Integer({ minimum: 1 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  q: Type.Optional(Type.String()),
  sort: Type.Optional(Type.String()),
};

/** This Berth as Harbor shows its own side of a policy. */
const LOCAL = {
  id: 0,
  name: 'Local',
  url: '',
  type: 'harbor',
  insecure: false,
  ca_certificate: null,
  description: 'this registry',
  status: 'healthy',
  credential: { type: 'basic', access_key: '' },
  creation_time: '',
  update_time: '',
};

const executionView = (e: ExecutionRecord) => ({
  id: e.id,
  policy_id: e.policyId,
  status: e.status,
  trigger: e.trigger,
  start_time: e.startTime,
  end_time: e.endTime ?? '',
  status_text: e.statusText,
  total: e.total,
  failed: e.failed,
  succeed: e.succeed,
  in_progress: e.inProgress,
  stopped: e.stopped,
  bytes: e.bytes,
});

const taskView = (t: TaskRecord) => ({
  id: t.id,
  execution_id: t.executionId,
  status: t.status,
  job_id: String(t.id),
  operation: t.operation,
  resource_type: t.resourceType,
  src_resource: t.srcResource,
  dst_resource: t.dstResource,
  start_time: t.startTime ?? '',
  end_time: t.endTime ?? '',
  bytes: t.bytes,
  attempts: t.attempts,
});

function validationField(err: { validation?: { instancePath?: string; params?: { missingProperty?: string } }[] }) {
  const first = err.validation?.[0];
  const path = `${first?.instancePath ?? ''}${first?.params?.missingProperty ? `/${first.params.missingProperty}` : ''}`;
  return (
    path
      .replace(/^\//, '')
      .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
      .replace(/\//g, '.') || 'body'
  );
}

export async function replicationRoutes(base: FastifyInstance, options: ReplicationApiOptions): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { replication } = options;
  app.setErrorHandler((err) => {
    const e = err as Error & { validation?: unknown[] };
    if (e.validation) {
      const field = validationField(e as never);
      throw invalidField(field, `${field}: ${e.message}`);
    }
    if (err instanceof ReplicationInputError) throw invalidField(err.field, err.message);
    if (err instanceof ReplicationNotFoundError) throw notFound(err.message);
    if (err instanceof ReplicationConflictError) throw conflict(err.message);
    if (err instanceof ReplicationBusyError) throw new ApiError(412, 'PRECONDITION', err.message);
    throw err;
  });
  app.addHook('onRequest', async (request) => options.authorize?.(request));

  const sideView = async (id: number | null) => {
    if (id === null) return LOCAL;
    try {
      return registryView(await options.registries.get(id));
    } catch {
      return { ...LOCAL, id, name: `(deleted registry ${id})`, status: 'unhealthy' };
    }
  };
  const policyView = async (p: PolicyRecord) => ({
    id: p.id,
    name: p.name,
    description: p.description,
    src_registry: await sideView(p.srcRegistryId),
    dest_registry: await sideView(p.destRegistryId),
    dest_namespace: p.destNamespace,
    dest_namespace_replace_count: p.destNamespaceReplaceCount,
    trigger: { type: p.trigger.type, trigger_settings: { cron: p.trigger.cron } },
    filters: p.filters,
    replicate_deletion: p.replicateDeletion,
    deletion: p.replicateDeletion,
    override: p.override,
    enabled: p.enabled,
    creation_time: p.createdAt,
    update_time: p.updatedAt,
    speed: p.speed,
    copy_by_chunk: p.copyByChunk,
  });

  app.get(
    '/replication/policies',
    { schema: { querystring: Type.Object({ ...Paging, name: Type.Optional(Type.String()) }) } },
    async (request, reply) => {
      const slice = sliceOf(request);
      const all = await replication.policies({ name: request.query.name });
      const page = all.slice(slice.offset, slice.offset + slice.limit);
      return paged(request, reply, slice, all.length, await Promise.all(page.map(policyView)));
    },
  );

  app.post('/replication/policies', { schema: { body: PolicyBody } }, async (request, reply) => {
    const id = await replication.create(request.body as PolicyInput);
    reply.header('location', `/api/v2.0/replication/policies/${id}`);
    return reply.status(201).send();
  });

  app.get('/replication/policies/:id', { schema: { params: IdParams } }, async (request) =>
    policyView(await replication.policy(request.params.id)),
  );

  app.put('/replication/policies/:id', { schema: { params: IdParams, body: PolicyBody } }, async (request) => {
    await replication.update(request.params.id, request.body as PolicyInput);
    return {};
  });

  app.delete('/replication/policies/:id', { schema: { params: IdParams } }, async (request) => {
    await replication.remove(request.params.id);
    return {};
  });

  app.get(
    '/replication/executions',
    {
      schema: {
        querystring: Type.Object({
          ...Paging,
          policy_id: Type.Optional(Type.Integer({ minimum: 1 })),
          status: Type.Optional(Type.String()),
          trigger: Type.Optional(Type.String()),
        }),
      },
    },
    async (request, reply) => {
      const slice = sliceOf(request);
      const { total, items } = await replication.executions(
        { policyId: request.query.policy_id, status: request.query.status, trigger: request.query.trigger },
        slice,
      );
      return paged(request, reply, slice, total, items.map(executionView));
    },
  );

  app.post(
    '/replication/executions',
    { schema: { body: Type.Object({ policy_id: Type.Integer({ minimum: 1 }) }) } },
    async (request, reply) => {
      const id = await replication.start(request.body.policy_id, 'manual');
      reply.header('location', `/api/v2.0/replication/executions/${id}`);
      return reply.status(201).send();
    },
  );

  app.get('/replication/executions/:id', { schema: { params: IdParams } }, async (request) =>
    executionView(await replication.execution(request.params.id)),
  );

  app.put('/replication/executions/:id', { schema: { params: IdParams } }, async (request) => {
    await replication.stop(request.params.id);
    return {};
  });

  app.get(
    '/replication/executions/:id/tasks',
    {
      schema: {
        params: IdParams,
        querystring: Type.Object({
          ...Paging,
          status: Type.Optional(Type.String()),
          resource_type: Type.Optional(Type.String()),
        }),
      },
    },
    async (request, reply) => {
      const slice = sliceOf(request);
      const { total, items } = await replication.tasks(
        request.params.id,
        { status: request.query.status, resourceType: request.query.resource_type },
        slice,
      );
      return paged(request, reply, slice, total, items.map(taskView));
    },
  );

  app.get(
    '/replication/executions/:id/tasks/:task_id/log',
    { schema: { params: TaskParams } },
    async (request, reply) => {
      const task = await replication.task(request.params.id, request.params.task_id);
      return reply.type('text/plain; charset=utf-8').send(task.log);
    },
  );
}
