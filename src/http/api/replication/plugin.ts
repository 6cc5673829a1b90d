/**
 * Replication in Harbor's shapes (/api/v2.0/replication/…): policies,
 * executions (start, stop), their tasks and task logs. System administrators only.
 * Berth adds `bytes` to executions and tasks, `attempts` to tasks, and
 * POST …/executions/{id}/retry (the failed and stopped tasks again, as a new execution).
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
import { labelNames } from '../../../features/replication/policy-input.ts';
import type { ReplicationService } from '../../../features/replication/service.ts';
import type { ExecutionRecord, Filter, PolicyRecord, TaskRecord } from '../../../features/replication/store.ts';
import { Empty, NoBody } from '../../shared/schemas.ts';
import { paged, sliceOf } from '../access/context.ts';
import { ApiError, conflict, invalidField, notFound } from '../errors.ts';
import { RegistryView, registryView } from '../registries/plugin.ts';

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

// Response shapes: Harbor's ReplicationPolicy, ReplicationExecution and ReplicationTask (Berth adds bytes and attempts).
const PolicyView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  src_registry: RegistryView,
  dest_registry: RegistryView,
  dest_namespace: Type.String(),
  dest_namespace_replace_count: Type.Integer(),
  trigger: Type.Object({ type: Type.String(), trigger_settings: Type.Object({ cron: Type.String() }) }),
  filters: Type.Array(
    Type.Object({
      type: Type.String(),
      // A pattern, or the label names of a label filter.
      value: Type.Union([Type.String(), Type.Array(Type.String())]),
      decoration: Type.String(),
    }),
  ),
  replicate_deletion: Type.Boolean(),
  deletion: Type.Boolean(),
  override: Type.Boolean(),
  enabled: Type.Boolean(),
  creation_time: Type.String(),
  update_time: Type.String(),
  speed: Type.Integer(),
  copy_by_chunk: Type.Boolean(),
});

const ExecutionView = Type.Object({
  id: Type.Integer(),
  policy_id: Type.Integer(),
  status: Type.String(),
  trigger: Type.String(),
  start_time: Type.String(),
  end_time: Type.String(),
  status_text: Type.String(),
  total: Type.Integer(),
  failed: Type.Integer(),
  succeed: Type.Integer(),
  in_progress: Type.Integer(),
  stopped: Type.Integer(),
  bytes: Type.Integer({ description: "Berth's addition: blob bytes sent so far" }),
});

const TaskView = Type.Object({
  id: Type.Integer(),
  execution_id: Type.Integer(),
  status: Type.String(),
  job_id: Type.String(),
  operation: Type.String(),
  resource_type: Type.String(),
  src_resource: Type.String(),
  dst_resource: Type.String(),
  start_time: Type.String(),
  end_time: Type.String(),
  bytes: Type.Integer({ description: "Berth's addition: blob bytes sent" }),
  attempts: Type.Integer({ description: "Berth's addition: attempts made" }),
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

/** Harbor's filter shape: a label filter's value is the list of label names. */
const filterView = (f: Filter) => ({
  type: f.type,
  value: f.type === 'label' ? labelNames(f) : f.value,
  decoration: f.decoration,
});

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

export async function replicationRoutes(base: FastifyInstance, options: ReplicationApiOptions): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { replication } = options;
  app.setErrorHandler((err) => {
    // Schema failures go on to the API's handler (400 naming the field).
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
    filters: p.filters.map(filterView),
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
    {
      schema: {
        querystring: Type.Object({ ...Paging, name: Type.Optional(Type.String()) }),
        response: { 200: Type.Array(PolicyView) },
      },
    },
    async (request, reply) => {
      const slice = sliceOf(request);
      const all = await replication.policies({ name: request.query.name });
      const page = all.slice(slice.offset, slice.offset + slice.limit);
      return paged(request, reply, slice, all.length, await Promise.all(page.map(policyView)));
    },
  );

  app.post(
    '/replication/policies',
    { schema: { body: PolicyBody, response: { 201: NoBody } } },
    async (request, reply) => {
      const id = await replication.create(request.body);
      reply.header('location', `/api/v2.0/replication/policies/${id}`);
      return reply.status(201).send();
    },
  );

  app.get(
    '/replication/policies/:id',
    { schema: { params: IdParams, response: { 200: PolicyView } } },
    async (request) => policyView(await replication.policy(request.params.id)),
  );

  const changed = { params: IdParams, response: { 200: Empty } };
  app.put('/replication/policies/:id', { schema: { ...changed, body: PolicyBody } }, async (request) => {
    await replication.update(request.params.id, request.body);
    return {};
  });

  app.delete('/replication/policies/:id', { schema: changed }, async (request) => {
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
        response: { 200: Type.Array(ExecutionView) },
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
    { schema: { body: Type.Object({ policy_id: Type.Integer({ minimum: 1 }) }), response: { 201: NoBody } } },
    async (request, reply) => {
      const id = await replication.start(request.body.policy_id, 'manual');
      reply.header('location', `/api/v2.0/replication/executions/${id}`);
      return reply.status(201).send();
    },
  );

  app.get(
    '/replication/executions/:id',
    { schema: { params: IdParams, response: { 200: ExecutionView } } },
    async (request) => executionView(await replication.execution(request.params.id)),
  );

  app.put('/replication/executions/:id', { schema: changed }, async (request) => {
    await replication.stop(request.params.id);
    return {};
  });

  // Berth's addition: a new execution with the failed and stopped tasks of an ended one (the console's Retry).
  app.post(
    '/replication/executions/:id/retry',
    { schema: { params: IdParams, response: { 201: NoBody } } },
    async (request, reply) => {
      const id = await replication.retry(request.params.id);
      reply.header('location', `/api/v2.0/replication/executions/${id}`);
      return reply.status(201).send();
    },
  );

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
        response: { 200: Type.Array(TaskView) },
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
    { schema: { params: TaskParams, response: { 200: Type.String({ description: 'the task log, text/plain' }) } } },
    async (request, reply) => {
      const task = await replication.task(request.params.id, request.params.task_id);
      return reply.type('text/plain; charset=utf-8').send(task.log);
    },
  );
}
