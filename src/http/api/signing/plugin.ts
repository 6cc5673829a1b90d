/**
 * Trusted keys for signature verification (Berth's extension to Harbor's
 * content trust): `/projects/{project_name_or_id}/trusted-keys` and
 * `/system/trusted-keys`, each GET (list), POST (`{"name","public_key"}` or
 * `{"name","certificate"}`, PEM) and DELETE `/{id}`; and
 * `/projects/{p}/repositories/{r}/artifacts/{ref}/signatures`, every
 * signature of an artifact with its check.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Principal } from '../../../core/access/principal.ts';
import { KeyError } from '../../../features/signing/keys.ts';
import type { SigningService } from '../../../features/signing/service.ts';
import type { TrustedKeyRecord } from '../../../features/signing/trust.ts';
import type { SignatureCheck } from '../../../features/signing/verdict.ts';
import { Empty } from '../../shared/schemas.ts';
import { type AccessApi, addressOf, callerOf, projectParam, requireOn, sysadminOf } from '../access/context.ts';
import { conflict, invalidField, notFound } from '../errors.ts';

export interface SigningApiOptions extends AccessApi {
  signing: SigningService;
}

const KeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    public_key: Type.Optional(Type.String({ maxLength: 65536 })),
    certificate: Type.Optional(Type.String({ maxLength: 65536 })),
  },
  { additionalProperties: false },
);

const KeyView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  kind: Type.String(),
  algorithm: Type.String(),
  fingerprint: Type.String(),
  public_key: Type.Optional(Type.String()),
  certificate: Type.Optional(Type.String()),
  scope: Type.String(),
  creation_time: Type.String(),
});

const CheckView = Type.Object({
  format: Type.String(),
  signature_digest: Type.String(),
  signed: Type.Boolean(),
  key: Type.Union([Type.String(), Type.Null()]),
  fingerprint: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  message: Type.String(),
});

const ProjectParams = Type.Object({ project_name_or_id: Type.String() });
const KeyParams = Type.Object({ project_name_or_id: Type.String(), id: Type.String({ pattern: '^[0-9]+$' }) });
const SystemKeyParams = Type.Object({ id: Type.String({ pattern: '^[0-9]+$' }) });
const ArtifactParams = Type.Object({
  project_name_or_id: Type.String(),
  repository_name: Type.String(),
  reference: Type.String(),
});

export function keyView(k: TrustedKeyRecord) {
  return {
    id: k.id,
    name: k.name,
    kind: k.kind,
    algorithm: k.algorithm,
    fingerprint: k.fingerprint,
    ...(k.kind === 'certificate' ? { certificate: k.pem } : { public_key: k.pem }),
    scope: k.projectId === null ? 'system' : 'project',
    creation_time: k.createdAt,
  };
}

export function checkView(c: SignatureCheck) {
  return {
    format: c.format,
    signature_digest: c.manifest,
    signed: c.valid,
    key: c.keyName ?? null,
    fingerprint: c.fingerprint ?? null,
    reason: c.failure ?? null,
    message: c.message,
  };
}

export async function signingRoutes(base: FastifyInstance, api: SigningApiOptions): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { signing } = api;

  const add = async (projectId: number | null, body: { name: string; public_key?: string; certificate?: string }) => {
    try {
      const added = await signing.addKey(projectId, body);
      if (!added) throw conflict(`a trusted key named ${body.name} already exists`);
      return added;
    } catch (err) {
      if (err instanceof KeyError) throw invalidField(err.field, err.message);
      throw err;
    }
  };
  const audit = (
    request: FastifyRequest,
    who: Principal,
    resource: string,
    operation: string,
    project: string | null,
  ) =>
    api.access.audit({
      username: who.kind === 'anonymous' ? 'anonymous' : who.name,
      resource,
      resourceType: 'project',
      operation,
      result: 'success',
      project,
      address: addressOf(request),
    });

  app.get(
    '/projects/:project_name_or_id/trusted-keys',
    { schema: { params: ProjectParams, response: { 200: Type.Array(KeyView) } } },
    async (request) => {
      const who = await callerOf(api, request);
      const project = await projectParam(api, request, request.params.project_name_or_id);
      await requireOn(api, who, project, 'pull');
      return (await signing.listKeys(project.id)).map(keyView);
    },
  );

  app.post(
    '/projects/:project_name_or_id/trusted-keys',
    { schema: { params: ProjectParams, body: KeyBody, response: { 201: KeyView } } },
    async (request, reply) => {
      const who = await callerOf(api, request);
      const project = await projectParam(api, request, request.params.project_name_or_id);
      await requireOn(api, who, project, 'changeSettings');
      const added = await add(project.id, request.body);
      await audit(request, who, `${project.name}/trusted-keys/${added.name}`, 'add_trusted_key', project.name);
      reply.status(201).header('location', `/api/v2.0/projects/${project.id}/trusted-keys/${added.id}`);
      return keyView(added);
    },
  );

  app.delete(
    '/projects/:project_name_or_id/trusted-keys/:id',
    { schema: { params: KeyParams, response: { 200: Empty } } },
    async (request) => {
      const who = await callerOf(api, request);
      const project = await projectParam(api, request, request.params.project_name_or_id);
      await requireOn(api, who, project, 'changeSettings');
      if (!(await signing.deleteKey(project.id, Number(request.params.id))))
        throw notFound(`trusted key ${request.params.id} not found`);
      await audit(
        request,
        who,
        `${project.name}/trusted-keys/${request.params.id}`,
        'delete_trusted_key',
        project.name,
      );
      return {};
    },
  );

  app.get('/system/trusted-keys', { schema: { response: { 200: Type.Array(KeyView) } } }, async (request) => {
    await sysadminOf(api, request);
    return (await signing.listKeys(null)).map(keyView);
  });

  app.post(
    '/system/trusted-keys',
    { schema: { body: KeyBody, response: { 201: KeyView } } },
    async (request, reply) => {
      const who = await sysadminOf(api, request);
      const added = await add(null, request.body);
      await audit(request, who, `trusted-keys/${added.name}`, 'add_trusted_key', null);
      reply.status(201).header('location', `/api/v2.0/system/trusted-keys/${added.id}`);
      return keyView(added);
    },
  );

  app.delete(
    '/system/trusted-keys/:id',
    { schema: { params: SystemKeyParams, response: { 200: Empty } } },
    async (request) => {
      const who = await sysadminOf(api, request);
      if (!(await signing.deleteKey(null, Number(request.params.id))))
        throw notFound(`trusted key ${request.params.id} not found`);
      await audit(request, who, `trusted-keys/${request.params.id}`, 'delete_trusted_key', null);
      return {};
    },
  );

  app.get(
    '/projects/:project_name_or_id/repositories/:repository_name/artifacts/:reference/signatures',
    {
      schema: {
        params: ArtifactParams,
        response: { 200: Type.Object({ status: Type.String(), signatures: Type.Array(CheckView) }) },
      },
    },
    async (request) => {
      const who = await callerOf(api, request);
      const project = await projectParam(api, request, request.params.project_name_or_id);
      await requireOn(api, who, project, 'pull');
      const name = decodeURIComponent(decodeURIComponent(request.params.repository_name));
      const repository = `${project.name}/${name}`;
      const record = await api.registry.manifestRecord(repository, decodeURIComponent(request.params.reference));
      const verdict = await signing.inspect(repository, record.digest);
      return { status: verdict.status, signatures: verdict.checks.map(checkView) };
    },
  );
}
