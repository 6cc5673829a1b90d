/**
 * /kube/connections: registry connections (CRUD; passwords are write-only),
 * their test, pull secret, container snippet and reconcile; /kube/pullpolicies.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ConnectionInput } from '../../../features/kube/connection-service.ts';
import { PULL_POLICIES } from '../../../features/kube/pullsecret.ts';
import type { RobotRequest } from '../../../features/kube/robots.ts';
import { doc, Empty } from '../../shared/schemas.ts';
import { badRequest, invalidField, notFound } from '../errors.ts';
import {
  actorOf,
  allow,
  body,
  connectionView,
  idParam,
  type KubeApiOptions,
  optionalInt,
  paged,
  str,
} from './context.ts';
import {
  Anything,
  Connection,
  ConnectionBody,
  IdParams,
  Job,
  JobParams,
  Paged,
  PullPolicies,
  PullSecretQuery,
  ReconcileJob,
  SecretText,
  SnippetQuery,
  TestBody,
} from './schemas.ts';

function connectionInput(b: Record<string, unknown>): ConnectionInput {
  const input: ConnectionInput = {
    name: str(b, 'name'),
    type: str(b, 'type'),
    address: str(b, 'address'),
    username: str(b, 'username'),
    password: str(b, 'password'),
    description: str(b, 'description'),
  };
  if ('email' in b) input.email = str(b, 'email') ?? null;
  if ('berth_robot' in b) input.berthRobot = str(b, 'berth_robot') ?? null;
  if ('project_id' in b) input.projectId = optionalInt(b.project_id, 'project_id') ?? null;
  return input;
}

/** `robot: {project, name?}`: create the connection's credentials as a Berth robot. */
function robotRequest(b: Record<string, unknown>): RobotRequest | undefined {
  const r = b.robot;
  if (r === undefined || r === null) return undefined;
  if (typeof r !== 'object' || Array.isArray(r))
    throw invalidField('robot', 'robot: must be an object {project, name?}');
  const o = r as Record<string, unknown>;
  const project = str(o, 'project');
  if (!project) throw invalidField('robot.project', 'robot.project: the project of the robot is required');
  const name = str(o, 'name');
  return { project, ...(name ? { name } : {}) };
}

export async function connectionRoutes(app: FastifyInstance, options: KubeApiOptions): Promise<void> {
  const { connections } = options.kube;

  /** The connection named by :id, once the caller may manage it. */
  const guarded = async (request: FastifyRequest) => {
    const record = await connections.get(idParam(request));
    await allow(options, request, record.projectId);
    return record;
  };

  app.get(
    '/kube/connections',
    {
      schema: {
        ...doc('kube', 'Registry connections of Kubernetes clusters'),
        querystring: Paged,
        response: { 200: Type.Array(Connection) },
      },
    },
    async (request, reply) => {
      await allow(options, request);
      return paged(request, reply, (await connections.list()).map(connectionView));
    },
  );

  /**
   * Creates a connection. With `robot: {project, name?}` instead of
   * username/password (type `berth`), a pull-only robot of that project is
   * created as its credentials, in the same step; the answer names it.
   */
  app.post(
    '/kube/connections',
    {
      schema: {
        ...doc('kube', 'Create a connection (with `robot`: and its Berth robot)'),
        body: ConnectionBody,
        response: { 201: Connection },
      },
    },
    async (request, reply) => {
      const b = body(request);
      const input = connectionInput(b);
      const robot = robotRequest(b);
      if (robot) {
        const project = await connections.robotProject(robot.project).catch(async (e) => {
          await allow(options, request); // only administrators learn that a project does not exist
          throw e;
        });
        await allow(options, request, project.id, { robots: true });
        const made = await connections.createWithRobot(input, robot, await actorOf(options, request));
        reply.status(201).header('location', `/api/v2.0/kube/connections/${made.record.id}`);
        return { ...connectionView(made.record), robot: { id: made.robot.id, name: made.robot.name } };
      }
      await allow(options, request, input.projectId ?? null);
      const created = await connections.create(input);
      reply.status(201).header('location', `/api/v2.0/kube/connections/${created.id}`);
      return connectionView(created);
    },
  );

  app.get(
    '/kube/connections/:id',
    { schema: { ...doc('kube', 'One connection'), params: IdParams, response: { 200: Connection } } },
    async (request) => connectionView(await guarded(request)),
  );

  /** Changes it; a password left out is kept. Credentials that change queue a reconcile of every copy. */
  app.put(
    '/kube/connections/:id',
    {
      schema: {
        ...doc('kube', 'Change a connection'),
        params: IdParams,
        body: ConnectionBody,
        response: { 200: Connection },
      },
    },
    async (request) => {
      const record = await guarded(request);
      const input = connectionInput(body(request));
      if (input.projectId !== undefined && input.projectId !== record.projectId) {
        throw badRequest('project_id cannot be changed');
      }
      const { record: updated, jobId } = await connections.update(record.id, input);
      return { ...connectionView(updated), reconcile_job_id: jobId };
    },
  );

  app.delete(
    '/kube/connections/:id',
    { schema: { ...doc('kube', 'Delete a connection'), params: IdParams, response: { 200: Empty } } },
    async (request) => {
      const record = await guarded(request);
      await connections.delete(record.id);
      return {};
    },
  );

  /** Reachable, registry API, credentials, and (with `repository`) pull. */
  app.post(
    '/kube/connections/:id/test',
    {
      schema: {
        ...doc('kube', 'Test a connection against its registry'),
        params: IdParams,
        body: TestBody,
        response: { 200: Anything },
      },
    },
    async (request) => {
      const record = await guarded(request);
      const b = body(request);
      const result = await connections.test(record.id, {
        repository: str(b, 'repository'),
        reference: str(b, 'reference'),
      });
      return result;
    },
  );

  const Rotation = Type.Object({
    connection_id: Type.Integer(),
    robot: Type.Union([Type.String(), Type.Null()]),
    previous_secret_until: Type.Union([Type.String(), Type.Null()], {
      description: "until when the robot's old secret is still accepted; null: no overlap open",
    }),
    settled: Type.Boolean({ description: 'every cluster holds the current credentials' }),
    clusters: Type.Array(
      Type.Object({
        cluster_id: Type.Integer(),
        cluster: Type.String(),
        holds: Type.String({ description: '`current`, `previous` or `none`' }),
        copies: Type.Integer(),
        current: Type.Integer({ description: 'copies holding the current credentials' }),
      }),
    ),
  });
  /** Which credential version each cluster holds, and the robot secret's overlap window (after a refresh). */
  app.get(
    '/kube/connections/:id/rotation',
    {
      schema: {
        ...doc('kube', 'Credential version held per cluster, and the old secret overlap window'),
        params: IdParams,
        response: { 200: Rotation },
      },
    },
    async (request) => {
      const record = await guarded(request);
      const s = await options.kube.rotation.status(record.id);
      return {
        connection_id: s.connectionId,
        robot: s.robot,
        previous_secret_until: s.previousSecretUntil,
        settled: s.settled,
        clusters: s.clusters.map((c) => ({
          cluster_id: c.clusterId,
          cluster: c.cluster,
          holds: c.holds,
          copies: c.copies,
          current: c.current,
        })),
      };
    },
  );

  /** The Secret exactly as `kubectl create secret docker-registry … --dry-run=client -o yaml|json` prints it. */
  app.get(
    '/kube/connections/:id/pullsecret',
    {
      schema: {
        ...doc('kube', 'The pull secret a connection installs (YAML or JSON)'),
        params: IdParams,
        querystring: PullSecretQuery,
        response: { 200: SecretText },
      },
    },
    async (request, reply) => {
      const record = await guarded(request);
      const q = request.query as Record<string, string | undefined>;
      const format = q.format ?? 'yaml';
      if (format !== 'yaml' && format !== 'json') throw badRequest('format must be yaml or json');
      const text = await connections.pullSecret(record.id, { name: q.name, namespace: q.namespace, format });
      reply.type(format === 'json' ? 'application/json; charset=utf-8' : 'application/yaml; charset=utf-8');
      return reply.send(text);
    },
  );

  /** A pod spec fragment with imagePullSecrets and the chosen imagePullPolicy, explained. */
  app.get(
    '/kube/connections/:id/snippet',
    {
      schema: {
        ...doc('kube', 'A pod spec snippet using the connection (YAML)'),
        params: IdParams,
        querystring: SnippetQuery,
        response: { 200: SecretText },
      },
    },
    async (request, reply) => {
      const record = await guarded(request);
      const q = request.query as Record<string, string | undefined>;
      const text = await connections.snippet(record.id, {
        secretName: q.name,
        image: q.image ?? '',
        policy: q.policy,
      });
      reply.type('application/yaml; charset=utf-8');
      return reply.send(text);
    },
  );

  /** Queues a reconcile of every copy of this connection's secret. */
  app.post(
    '/kube/connections/:id/reconcile',
    { schema: { ...doc('kube', 'Reconcile the connection now'), params: IdParams, response: { 202: ReconcileJob } } },
    async (request, reply) => {
      const record = await guarded(request);
      const jobId = await connections.enqueueReconcile(record.id, 'requested');
      reply.status(202);
      return { reconcile_job_id: jobId };
    },
  );

  app.get(
    '/kube/pullpolicies',
    { schema: { ...doc('kube', 'Pull policies'), response: { 200: PullPolicies } } },
    async () => Object.entries(PULL_POLICIES).map(([name, description]) => ({ name, description })),
  );

  app.get(
    '/kube/jobs/:id',
    { schema: { ...doc('kube', 'A background job'), params: JobParams, response: { 200: Job } } },
    async (request) => {
      await allow(options, request);
      const id = (request.params as { id: string }).id;
      const info = await options.kube.jobs.info(id);
      if (!info?.kind.startsWith('kube.')) throw notFound(`job ${id} not found`);
      return {
        id: info.id,
        kind: info.kind,
        status: info.status,
        attempts: info.attempts,
        last_error: info.lastError,
        creation_time: info.createdAt,
        update_time: info.updatedAt,
      };
    },
  );
}
