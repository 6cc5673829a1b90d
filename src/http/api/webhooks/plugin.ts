/**
 * Project webhooks in Harbor's shapes (/api/v2.0/projects/{project_name_or_id}/webhook/…):
 * policies, the supported events, and each policy's deliveries as executions
 * (one task each, with its attempt log). Managing and reading them needs the
 * project's settings permission (project admins and system administrators).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  WebhookConflictError,
  WebhookInputError,
  WebhookNotFoundError,
  WebhooksDisabledError,
} from '../../../features/webhooks/errors.ts';
import { EVENT_TYPES, PAYLOAD_FORMATS } from '../../../features/webhooks/events.ts';
import { viewOf, type WebhookService } from '../../../features/webhooks/service.ts';
import type { DeliveryRecord } from '../../../features/webhooks/store.ts';
import { Empty, NoBody } from '../../shared/schemas.ts';
import { type AccessApi, callerOf, idParam, paged, projectParam, requireOn, sliceOf } from '../access/context.ts';
import { ApiError, conflict, invalidField, notFound } from '../errors.ts';

export interface WebhookApi extends AccessApi {
  webhooks: WebhookService;
}

const Target = Type.Object({
  type: Type.Optional(Type.String()),
  address: Type.String({ minLength: 1 }),
  auth_header: Type.Optional(Type.String()),
  skip_cert_verify: Type.Optional(Type.Boolean()),
  payload_format: Type.Optional(Type.String()),
});

const PolicyBody = Type.Object({
  id: Type.Optional(Type.Integer()),
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: Type.Optional(Type.String()),
  project_id: Type.Optional(Type.Integer()),
  targets: Type.Array(Target, { minItems: 1 }),
  event_types: Type.Array(Type.String(), { minItems: 1 }),
  creator: Type.Optional(Type.String()),
  creation_time: Type.Optional(Type.String()),
  update_time: Type.Optional(Type.String()),
  enabled: Type.Optional(Type.Boolean()),
  /** Berth's addition: the HMAC key of the signature header (write-only; generated when absent). */
  signing_secret: Type.Optional(Type.String({ minLength: 16 })),
});

const PolicyView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  project_id: Type.Integer(),
  targets: Type.Array(
    Type.Object({
      type: Type.String(),
      address: Type.String(),
      skip_cert_verify: Type.Boolean(),
      payload_format: Type.String(),
    }),
  ),
  event_types: Type.Array(Type.String()),
  creator: Type.String(),
  creation_time: Type.String(),
  update_time: Type.String(),
  enabled: Type.Boolean(),
});

const Execution = Type.Object({
  id: Type.Integer(),
  vendor_type: Type.String(),
  vendor_id: Type.Integer(),
  status: Type.String(),
  status_message: Type.String(),
  trigger: Type.String(),
  extra_attrs: Type.Record(Type.String(), Type.Unknown()),
  start_time: Type.String(),
  end_time: Type.String(),
});

const Task = Type.Object({
  id: Type.Integer(),
  execution_id: Type.Integer(),
  status: Type.String(),
  status_message: Type.String(),
  run_count: Type.Integer(),
  extra_attrs: Type.Record(Type.String(), Type.Unknown()),
  creation_time: Type.String(),
  update_time: Type.String(),
  start_time: Type.String(),
  end_time: Type.String(),
});

const EventTypes = Type.Object({
  event_type: Type.Array(Type.String()),
  notify_type: Type.Array(Type.String()),
  payload_formats: Type.Array(Type.Object({ notify_type: Type.String(), formats: Type.Array(Type.String()) })),
});

/** Harbor answers 201 without a body; Berth adds the id and, when it made one, the signing secret (shown once). */
const Created = Type.Object({ id: Type.Integer(), signing_secret: Type.Optional(Type.String()) });

const ProjectParams = Type.Object({ project_name_or_id: Type.String() });
const PolicyParams = Type.Object({ project_name_or_id: Type.String(), webhook_policy_id: Type.String() });
const ExecParams = Type.Object({
  project_name_or_id: Type.String(),
  webhook_policy_id: Type.String(),
  execution_id: Type.String(),
});
const TaskParams = Type.Object({
  project_name_or_id: Type.String(),
  webhook_policy_id: Type.String(),
  execution_id: Type.String(),
  task_id: Type.String(),
});
const Paging = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  q: Type.Optional(Type.String()),
  sort: Type.Optional(Type.String()),
});

const extraOf = (d: DeliveryRecord) => ({
  event_type: d.eventType,
  address: d.address,
  payload_format: d.payloadFormat,
  response_code: d.responseCode,
  attempts: d.attempts,
});

const executionOf = (d: DeliveryRecord) => ({
  id: d.id,
  vendor_type: 'WEBHOOK',
  vendor_id: d.policyId,
  status:
    d.status === 'Pending'
      ? 'Pending'
      : d.status === 'InProgress'
        ? 'Running'
        : d.status === 'Succeed'
          ? 'Success'
          : 'Error',
  status_message: d.statusMessage,
  trigger: 'EVENT',
  extra_attrs: extraOf(d),
  start_time: d.startedAt ?? d.createdAt,
  end_time: d.endedAt ?? '',
});

const taskOf = (d: DeliveryRecord) => ({
  id: d.id,
  execution_id: d.id,
  status: executionOf(d).status,
  status_message: d.statusMessage,
  run_count: d.attempts,
  extra_attrs: extraOf(d),
  creation_time: d.createdAt,
  update_time: d.updatedAt,
  start_time: d.startedAt ?? '',
  end_time: d.endedAt ?? '',
});

export async function webhookRoutes(base: FastifyInstance, api: WebhookApi): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler((err, _request, reply) => {
    // Schema failures go on to the API's handler (400 naming the field).
    if (err instanceof WebhookInputError) throw invalidField(err.field, err.message);
    if (err instanceof WebhookNotFoundError) throw notFound(err.message);
    if (err instanceof WebhookConflictError) throw conflict(err.message);
    if (err instanceof WebhooksDisabledError) throw new ApiError(501, 'NOT_ENABLED', err.message);
    void reply;
    throw err;
  });

  const projectFor = async (request: FastifyRequest, value: string) => {
    const who = await callerOf(api, request);
    const project = await projectParam(api, request, value);
    await requireOn(api, who, project, 'changeSettings');
    return { who, project };
  };

  const base_ = '/projects/:project_name_or_id/webhook';

  app.get(`${base_}/events`, { schema: { params: ProjectParams, response: { 200: EventTypes } } }, async (request) => {
    await projectFor(request, request.params.project_name_or_id);
    return {
      event_type: [...EVENT_TYPES],
      notify_type: ['http'],
      payload_formats: [{ notify_type: 'http', formats: [...PAYLOAD_FORMATS] }],
    };
  });

  app.get(
    `${base_}/policies`,
    { schema: { params: ProjectParams, querystring: Paging, response: { 200: Type.Array(PolicyView) } } },
    async (request, reply) => {
      const { project } = await projectFor(request, request.params.project_name_or_id);
      const slice = sliceOf(request);
      const all = await api.webhooks.list(project.id);
      return paged(request, reply, slice, all.length, all.slice(slice.offset, slice.offset + slice.limit));
    },
  );

  const create = { params: ProjectParams, body: PolicyBody, response: { 201: Created } };
  app.post(`${base_}/policies`, { schema: create }, async (request, reply) => {
    const { who, project } = await projectFor(request, request.params.project_name_or_id);
    const { id, secret } = await api.webhooks.create(project.id, request.body, 'name' in who ? who.name : 'anonymous');
    reply.header('location', `/api/v2.0/projects/${project.id}/webhook/policies/${id}`);
    // Harbor answers 201 without a body; Berth adds the signing secret, shown this once.
    return reply.status(201).send({ id, signing_secret: request.body.signing_secret ? undefined : secret });
  });

  app.get(
    `${base_}/policies/:webhook_policy_id`,
    { schema: { params: PolicyParams, response: { 200: PolicyView } } },
    async (request) => {
      const { project } = await projectFor(request, request.params.project_name_or_id);
      return viewOf(await api.webhooks.get(project.id, idParam(request.params.webhook_policy_id, 'webhook_policy_id')));
    },
  );

  app.put(
    `${base_}/policies/:webhook_policy_id`,
    { schema: { params: PolicyParams, body: PolicyBody, response: { 200: Empty } } },
    async (request) => {
      const { project } = await projectFor(request, request.params.project_name_or_id);
      await api.webhooks.update(
        project.id,
        idParam(request.params.webhook_policy_id, 'webhook_policy_id'),
        request.body,
      );
      return {};
    },
  );

  const remove = { params: PolicyParams, response: { 200: Empty } };
  app.delete(`${base_}/policies/:webhook_policy_id`, { schema: remove }, async (request) => {
    const { project } = await projectFor(request, request.params.project_name_or_id);
    await api.webhooks.remove(project.id, idParam(request.params.webhook_policy_id, 'webhook_policy_id'));
    return {};
  });

  app.get(
    `${base_}/policies/:webhook_policy_id/executions`,
    { schema: { params: PolicyParams, querystring: Paging, response: { 200: Type.Array(Execution) } } },
    async (request, reply) => {
      const { project } = await projectFor(request, request.params.project_name_or_id);
      const slice = sliceOf(request);
      const policyId = idParam(request.params.webhook_policy_id, 'webhook_policy_id');
      const { total, items } = await api.webhooks.deliveries(project.id, policyId, slice);
      return paged(request, reply, slice, total, items.map(executionOf));
    },
  );

  // Berth's addition: the same body sent again as a new execution (the console's Retry of a failed delivery).
  app.post(
    `${base_}/policies/:webhook_policy_id/executions/:execution_id/retry`,
    { schema: { params: ExecParams, response: { 201: NoBody } } },
    async (request, reply) => {
      const { project } = await projectFor(request, request.params.project_name_or_id);
      const policyId = idParam(request.params.webhook_policy_id, 'webhook_policy_id');
      const id = await api.webhooks.redeliver(
        project.id,
        policyId,
        idParam(request.params.execution_id, 'execution_id'),
      );
      reply.header('location', `/api/v2.0/projects/${project.id}/webhook/policies/${policyId}/executions/${id}`);
      return reply.status(201).send();
    },
  );

  app.get(
    `${base_}/policies/:webhook_policy_id/executions/:execution_id/tasks`,
    { schema: { params: ExecParams, querystring: Paging, response: { 200: Type.Array(Task) } } },
    async (request, reply) => {
      const { project } = await projectFor(request, request.params.project_name_or_id);
      const d = await api.webhooks.delivery(
        project.id,
        idParam(request.params.webhook_policy_id, 'webhook_policy_id'),
        idParam(request.params.execution_id, 'execution_id'),
      );
      return paged(request, reply, { page: 1, pageSize: 10 }, 1, [taskOf(d)]);
    },
  );

  app.get(
    `${base_}/policies/:webhook_policy_id/executions/:execution_id/tasks/:task_id/log`,
    { schema: { params: TaskParams, response: { 200: Type.String({ description: 'the delivery log, text/plain' }) } } },
    async (request, reply) => {
      const { project } = await projectFor(request, request.params.project_name_or_id);
      const d = await api.webhooks.delivery(
        project.id,
        idParam(request.params.webhook_policy_id, 'webhook_policy_id'),
        idParam(request.params.execution_id, 'execution_id'),
      );
      if (String(d.id) !== request.params.task_id) throw notFound(`task ${request.params.task_id} not found`);
      return reply.type('text/plain; charset=utf-8').send(d.log);
    },
  );
}
