/**
 * Upstream registries in Harbor's shapes: /registries (list, create, get,
 * update, delete), /registries/ping, /registries/{id}/info, and the adapter
 * list (/adapters and Harbor's /replication/adapters). Secrets are accepted,
 * never returned. Managed by system administrators.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RegistriesService } from '../../../features/registries/service.ts';
import {
  RegistriesConflictError,
  RegistriesInvalidError,
  RegistriesNotFoundError,
  type RegistryRecord,
} from '../../../features/registries/types.ts';
import { Empty, NoBody } from '../../shared/schemas.ts';
import { ApiError, invalidField } from '../errors.ts';
import { pageParams, queryTerms, setPageHeaders } from '../paging.ts';

export interface RegistriesApiOptions {
  registries: RegistriesService;
  /** Refuses (throws the API's 401/403) unless the caller may manage registries; absent: everyone may. */
  authorize?: (request: FastifyRequest) => Promise<void>;
}

const Credential = Type.Object({
  type: Type.Optional(Type.String()),
  access_key: Type.Optional(Type.String()),
  access_secret: Type.Optional(Type.String()),
});

const RegistryBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  url: Type.Optional(Type.String()),
  type: Type.Optional(Type.String()),
  insecure: Type.Optional(Type.Boolean()),
  ca_certificate: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  description: Type.Optional(Type.String()),
  credential: Type.Optional(Credential),
});

const nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Boolean>>(t: T) =>
  Type.Optional(Type.Union([t, Type.Null()]));

const RegistryUpdate = Type.Object({
  name: nullable(Type.String()),
  description: nullable(Type.String()),
  url: nullable(Type.String()),
  credential_type: nullable(Type.String()),
  access_key: nullable(Type.String()),
  access_secret: nullable(Type.String()),
  insecure: nullable(Type.Boolean()),
  ca_certificate: nullable(Type.String()),
});

const RegistryPing = Type.Object({
  id: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  type: nullable(Type.String()),
  url: nullable(Type.String()),
  credential_type: nullable(Type.String()),
  access_key: nullable(Type.String()),
  access_secret: nullable(Type.String()),
  insecure: nullable(Type.Boolean()),
  ca_certificate: nullable(Type.String()),
});

export const RegistryView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  url: Type.String(),
  type: Type.String(),
  insecure: Type.Boolean(),
  ca_certificate: Type.Union([Type.String(), Type.Null()]),
  description: Type.String(),
  status: Type.String(),
  credential: Type.Object({ type: Type.String(), access_key: Type.String() }),
  creation_time: Type.String(),
  update_time: Type.String(),
});

/** Harbor answers a healthy ping with an empty 200; Berth says so in words (an unhealthy one is a 400). */
const PingResult = Type.Object({ status: Type.Literal('healthy'), message: Type.String() });

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

const FilterStyle = Type.Object({
  type: Type.String(),
  style: Type.String(),
  values: Type.Optional(Type.Array(Type.String())),
});
const RegistryInfo = Type.Object({
  type: Type.String(),
  description: Type.String(),
  supported_resource_filters: Type.Array(FilterStyle),
  supported_triggers: Type.Array(Type.String()),
  supported_copy_by_chunk: Type.Boolean(),
});

const ListQuery = Type.Object({
  q: Type.Optional(Type.String()),
  sort: Type.Optional(Type.String()),
  page: Type.Optional(Type.Integer({ minimum: 1 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  name: Type.Optional(Type.String()),
});

/** Never the secret: Harbor's shape with the credential's type and key only. */
export const registryView = (r: RegistryRecord) => ({
  id: r.id,
  name: r.name,
  url: r.url,
  type: r.type,
  insecure: r.insecure,
  ca_certificate: r.caCertificate,
  description: r.description,
  status: r.status,
  credential: { type: r.credentialType ?? 'basic', access_key: r.accessKey },
  creation_time: r.createdAt,
  update_time: r.updatedAt,
});

function toApiError(err: unknown): unknown {
  if (err instanceof RegistriesInvalidError) return invalidField(err.field, err.message);
  if (err instanceof RegistriesNotFoundError) return new ApiError(404, 'NOT_FOUND', err.message);
  if (err instanceof RegistriesConflictError)
    return err.field === 'id'
      ? new ApiError(412, 'PRECONDITION', err.message, undefined, err.field)
      : new ApiError(409, 'CONFLICT', err.message, undefined, err.field);
  return err;
}

export async function registriesRoutes(plain: FastifyInstance, options: RegistriesApiOptions): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { registries } = options;
  const allow = async (request: FastifyRequest) => options.authorize?.(request);
  app.setErrorHandler((err) => {
    throw toApiError(err);
  });

  app.get(
    '/registries',
    { schema: { querystring: ListQuery, response: { 200: Type.Array(RegistryView) } } },
    async (request, reply) => {
      await allow(request);
      const terms = queryTerms(request.query.q, ['name', 'type', 'url']);
      const page = pageParams(request.query);
      let items = await registries.list({ name: request.query.name ?? terms.get('name')?.value });
      for (const key of ['type', 'url'] as const) {
        const t = terms.get(key);
        if (t) items = items.filter((r) => (t.fuzzy ? r[key].includes(t.value) : r[key] === t.value));
      }
      setPageHeaders(request, reply, page, items.length);
      return items.slice(page.offset, page.offset + page.limit).map(registryView);
    },
  );

  app.post('/registries', { schema: { body: RegistryBody, response: { 201: NoBody } } }, async (request, reply) => {
    await allow(request);
    const b = request.body;
    const created = await registries.create({
      name: b.name,
      type: b.type,
      url: b.url,
      description: b.description,
      insecure: b.insecure,
      caCertificate: b.ca_certificate,
      credentialType: b.credential?.type,
      accessKey: b.credential?.access_key,
      accessSecret: b.credential?.access_secret,
    });
    reply.status(201).header('location', `/api/v2.0/registries/${created.id}`).send();
  });

  app.post('/registries/ping', { schema: { body: RegistryPing, response: { 200: PingResult } } }, async (request) => {
    await allow(request);
    const b = request.body;
    if ((b.id === undefined || b.id === null) && !b.url && b.type !== 'docker-hub')
      throw invalidField('url', 'give the id of a registry or its url');
    const result = await registries.ping({
      id: b.id ?? undefined,
      type: b.type ?? undefined,
      url: b.url ?? undefined,
      insecure: b.insecure ?? undefined,
      caCertificate: b.ca_certificate,
      credentialType: b.credential_type,
      accessKey: b.access_key,
      accessSecret: b.access_secret,
    });
    if (!result.ok) throw new ApiError(400, 'BAD_REQUEST', `the registry is unhealthy: ${result.message}`);
    return { status: 'healthy' as const, message: result.message };
  });

  app.get('/registries/:id', { schema: { params: IdParams, response: { 200: RegistryView } } }, async (request) => {
    await allow(request);
    return registryView(await registries.get(request.params.id));
  });

  app.get(
    '/registries/:id/info',
    { schema: { params: IdParams, response: { 200: RegistryInfo } } },
    async (request) => {
      await allow(request);
      return registries.info(request.params.id);
    },
  );

  app.put(
    '/registries/:id',
    { schema: { params: IdParams, body: RegistryUpdate, response: { 200: Empty } } },
    async (request) => {
      await allow(request);
      const b = request.body;
      await registries.update(request.params.id, {
        name: b.name ?? undefined,
        description: b.description ?? undefined,
        url: b.url ?? undefined,
        insecure: b.insecure ?? undefined,
        caCertificate: b.ca_certificate ?? undefined,
        credentialType: b.credential_type ?? undefined,
        accessKey: b.access_key ?? undefined,
        accessSecret: b.access_secret ?? undefined,
      });
      return {};
    },
  );

  app.delete('/registries/:id', { schema: { params: IdParams, response: { 200: Empty } } }, async (request) => {
    await allow(request);
    await registries.delete(request.params.id);
    return {};
  });

  for (const path of ['/adapters', '/replication/adapters'])
    app.get(path, { schema: { response: { 200: Type.Array(Type.String()) } } }, async (request) => {
      await allow(request);
      return [...registries.adapters()];
    });
}
