/**
 * Harbor's tag retention API: /retentions/metadatas, /retentions (create:
 * one policy per project, its id becomes the project's `retention_id`),
 * /retentions/{id} (GET/PUT/DELETE), executions (POST with dry_run, 409 while
 * one runs; PATCH {"action":"stop"}), their tasks and each task's log.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RetentionExecution, RetentionPolicyRow, RetentionTask } from '../../../features/lifecycle/ports.ts';
import { checkPolicy, RETENTION_METADATA, RetentionInputError } from '../../../features/lifecycle/retention-rules.ts';
import { RetentionBusyError, RetentionExistsError } from '../../../features/lifecycle/retention-service.ts';
import type { ProjectMetadataExtension } from '../access/context.ts';
import { ApiError, conflict, invalidField, notFound } from '../errors.ts';
import { ErrorBody, type LifecycleApiOptions, Paging, pageHeaders, projectFor, slice } from './context.ts';

const Loose = Type.Object({}, { additionalProperties: true });
const Selector = Type.Object({
  kind: Type.String(),
  decoration: Type.String(),
  pattern: Type.String(),
  extras: Type.Optional(Type.String()),
});
const Rule = Type.Object({
  id: Type.Integer(),
  priority: Type.Integer(),
  disabled: Type.Boolean(),
  action: Type.String(),
  template: Type.String(),
  params: Type.Record(Type.String(), Type.Integer()),
  tag_selectors: Type.Array(Selector),
  scope_selectors: Type.Record(Type.String(), Type.Array(Selector)),
});
const PolicyView = Type.Object({
  id: Type.Integer(),
  algorithm: Type.String(),
  rules: Type.Array(Rule),
  trigger: Type.Object({
    kind: Type.String(),
    settings: Type.Object({ cron: Type.String() }),
    references: Type.Object({}, { additionalProperties: true }),
  }),
  scope: Type.Object({ level: Type.String(), ref: Type.Integer() }),
});
const PolicyBody = Type.Object(
  {
    algorithm: Type.Optional(Type.String()),
    rules: Type.Optional(Type.Array(Loose)),
    trigger: Type.Optional(Loose),
    scope: Type.Optional(Type.Object({ level: Type.Optional(Type.String()), ref: Type.Optional(Type.Integer()) })),
  },
  { additionalProperties: true },
);
const SelectorMeta = Type.Object({
  display_text: Type.String(),
  kind: Type.String(),
  decorations: Type.Array(Type.String()),
});
const Metadata = Type.Object({
  templates: Type.Array(
    Type.Object({
      rule_template: Type.String(),
      display_text: Type.String(),
      action: Type.String(),
      params: Type.Array(Type.Object({ type: Type.String(), unit: Type.String(), required: Type.Boolean() })),
    }),
  ),
  scope_selectors: Type.Array(SelectorMeta),
  tag_selectors: Type.Array(SelectorMeta),
});
const Execution = Type.Object({
  id: Type.Integer(),
  policy_id: Type.Integer(),
  start_time: Type.String(),
  end_time: Type.String(),
  status: Type.String(),
  trigger: Type.String(),
  dry_run: Type.Boolean(),
});
const Task = Type.Object({
  id: Type.Integer(),
  execution_id: Type.Integer(),
  repository: Type.String(),
  job_id: Type.String(),
  status: Type.String(),
  status_code: Type.Integer(),
  status_revision: Type.Integer(),
  start_time: Type.String(),
  end_time: Type.String(),
  total: Type.Integer(),
  retained: Type.Integer(),
});
const Id = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const ExecId = Type.Object({ id: Type.Integer({ minimum: 1 }), eid: Type.Integer({ minimum: 1 }) });
const TaskId = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  eid: Type.Integer({ minimum: 1 }),
  tid: Type.Integer({ minimum: 1 }),
});

const policyView = (row: RetentionPolicyRow) => ({
  id: row.id,
  algorithm: row.policy.algorithm,
  rules: row.policy.rules.map((r, i) => ({ ...r, id: r.id ?? i + 1, priority: r.priority ?? 0 })),
  trigger: { ...row.policy.trigger, references: {} },
  scope: { level: 'project', ref: row.projectId },
});

const executionView = (e: RetentionExecution) => ({
  id: e.id,
  policy_id: e.policyId,
  start_time: e.startTime,
  end_time: e.endTime ?? '',
  status: e.status,
  trigger: e.trigger,
  dry_run: e.dryRun,
});

const taskView = (t: RetentionTask) => ({
  id: t.id,
  execution_id: t.executionId,
  repository: t.repository,
  job_id: String(t.id),
  status: t.status,
  status_code: t.status === 'Success' ? 3 : t.status === 'Running' ? 2 : 1,
  status_revision: 0,
  start_time: t.startTime,
  end_time: t.endTime ?? '',
  total: t.total,
  retained: t.retained,
});

/** The project's `retention_id` metadata (read only: set when its policy is created). */
export function retentionProjectMetadata(o: LifecycleApiOptions): ProjectMetadataExtension {
  return {
    check() {},
    async write() {},
    async read(projectId): Promise<Record<string, string>> {
      const row = await o.lifecycle.retention.store.policyOfProject(projectId);
      return row ? { retention_id: String(row.id) } : {};
    },
  };
}

function checked(body: Record<string, unknown>, projectId: number) {
  try {
    return checkPolicy(body, projectId);
  } catch (err) {
    if (err instanceof RetentionInputError) throw invalidField(err.field, err.message);
    throw err;
  }
}

export async function retentionRoutes(root: FastifyInstance, o: LifecycleApiOptions): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { retention } = o.lifecycle;
  const { store } = retention;

  /** The policy and its project, with `permission` on the project. */
  const policyOf = async (request: FastifyRequest, id: number, permission: 'pull' | 'changeSettings') => {
    const row = await store.policy(id);
    if (!row) throw notFound(`retention policy ${id} not found`);
    const project = await projectFor(o, request, String(row.projectId), permission);
    return { row, project };
  };

  const executionOf = async (
    request: FastifyRequest,
    id: number,
    eid: number,
    permission: 'pull' | 'changeSettings',
  ) => {
    await policyOf(request, id, permission);
    const execution = await store.execution(eid);
    if (!execution || execution.policyId !== id) throw notFound(`retention execution ${eid} not found`);
    return execution;
  };

  app.get('/retentions/metadatas', { schema: { response: { 200: Metadata } } }, async () => RETENTION_METADATA);

  app.post(
    '/retentions',
    { schema: { body: PolicyBody, response: { 201: Type.Null(), 400: ErrorBody, 403: ErrorBody, 409: ErrorBody } } },
    async (request, reply) => {
      const ref = request.body.scope?.ref;
      if (request.body.scope?.level !== undefined && request.body.scope.level !== 'project')
        throw invalidField('scope.level', 'scope.level must be project');
      if (ref === undefined) throw invalidField('scope.ref', 'scope.ref names the project (its id)');
      const project = await projectFor(o, request, String(ref), 'changeSettings').catch((err) => {
        if (err instanceof ApiError && err.status === 404) throw invalidField('scope.ref', `project ${ref} not found`);
        throw err;
      });
      const policy = checked(request.body, project.id);
      try {
        const row = await retention.create(project.id, project.name, policy);
        reply.status(201).header('location', `/api/v2.0/retentions/${row.id}`).send(null);
      } catch (err) {
        if (err instanceof RetentionExistsError) throw conflict(err.message);
        throw err;
      }
    },
  );

  app.get(
    '/retentions/:id',
    { schema: { params: Id, response: { 200: PolicyView, 404: ErrorBody } } },
    async (request) => policyView((await policyOf(request, request.params.id, 'pull')).row),
  );

  app.put(
    '/retentions/:id',
    { schema: { params: Id, body: PolicyBody, response: { 200: Type.Null(), 400: ErrorBody, 404: ErrorBody } } },
    async (request, reply) => {
      const { row } = await policyOf(request, request.params.id, 'changeSettings');
      const ref = request.body.scope?.ref;
      if (ref !== undefined && ref !== row.projectId)
        throw invalidField('scope.ref', 'a policy stays with its project');
      await retention.update(row.id, checked(request.body, row.projectId));
      reply.status(200).send(null);
    },
  );

  app.delete(
    '/retentions/:id',
    { schema: { params: Id, response: { 200: Type.Null(), 404: ErrorBody, 409: ErrorBody } } },
    async (request, reply) => {
      const { row } = await policyOf(request, request.params.id, 'changeSettings');
      const running = (await store.executions(row.id, 0, 1)).items[0];
      if (running?.status === 'Running')
        throw conflict(`execution ${running.id} of this policy is running; stop it first`);
      await retention.remove(row.id);
      reply.status(200).send(null);
    },
  );

  app.post(
    '/retentions/:id/executions',
    {
      schema: {
        params: Id,
        body: Type.Object({ dry_run: Type.Optional(Type.Boolean()) }),
        response: { 201: Type.Null(), 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { row } = await policyOf(request, request.params.id, 'changeSettings');
      try {
        const { execution } = await retention.start(row.id, 'Manual', request.body.dry_run === true);
        reply.status(201).header('location', `/api/v2.0/retentions/${row.id}/executions/${execution.id}`).send(null);
      } catch (err) {
        if (err instanceof RetentionBusyError) throw conflict(err.message);
        throw err;
      }
    },
  );

  app.get(
    '/retentions/:id/executions',
    { schema: { params: Id, querystring: Paging, response: { 200: Type.Array(Execution), 404: ErrorBody } } },
    async (request, reply) => {
      const { row } = await policyOf(request, request.params.id, 'pull');
      const s = slice(request.query);
      const { items, total } = await store.executions(row.id, s.offset, s.pageSize);
      pageHeaders(reply, total);
      return items.map(executionView);
    },
  );

  app.patch(
    '/retentions/:id/executions/:eid',
    {
      schema: {
        params: ExecId,
        body: Type.Object({ action: Type.String() }),
        response: { 200: Type.Null(), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      if (request.body.action !== 'stop') throw invalidField('action', 'the only action is "stop"');
      const execution = await executionOf(request, request.params.id, request.params.eid, 'changeSettings');
      await retention.stop(execution.id);
      reply.status(200).send(null);
    },
  );

  app.get(
    '/retentions/:id/executions/:eid/tasks',
    { schema: { params: ExecId, querystring: Paging, response: { 200: Type.Array(Task), 404: ErrorBody } } },
    async (request, reply) => {
      const execution = await executionOf(request, request.params.id, request.params.eid, 'pull');
      const s = slice(request.query);
      const { items, total } = await store.tasks(execution.id, s.offset, s.pageSize);
      pageHeaders(reply, total);
      return items.map(taskView);
    },
  );

  app.get(
    '/retentions/:id/executions/:eid/tasks/:tid',
    { schema: { params: TaskId, response: { 200: Type.String(), 404: ErrorBody } } },
    async (request, reply) => {
      const execution = await executionOf(request, request.params.id, request.params.eid, 'pull');
      const task = await store.task(request.params.tid);
      if (!task || task.executionId !== execution.id) throw notFound(`retention task ${request.params.tid} not found`);
      reply.type('text/plain; charset=utf-8');
      return task.log;
    },
  );
}
