/**
 * GET /api/v2.0/openapi.json: the OpenAPI 3.1 document of the management API,
 * built from the routes themselves. Every route registered inside the API
 * plugin is recorded as it is added (Fastify's onRoute hook) with its schema:
 * params, query, body and responses become the operation's parameters,
 * request body and response shapes. A feature's routes appear here the
 * moment its plugin is registered; nothing is listed by hand.
 * test/api/openapi.test.ts checks the document against the route tree and
 * against Harbor's definition.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { Type } from 'typebox';
import { BERTH_VERSION } from '../../core/version.ts';
import { doc, ErrorsBody } from '../shared/schemas.ts';

type Json = Record<string, unknown>;

export const UNDECLARED = 'Not declared by the route';

export interface RecordedRoute {
  method: string;
  /** OpenAPI template under the prefix, e.g. `/robots/{robot_id}`. */
  path: string;
  schema: Json;
}

/** Collects the routes of `app` (and the plugins registered inside it) as they are added. */
export function recordRoutes(app: FastifyInstance, prefix: string): RecordedRoute[] {
  const routes: RecordedRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const path = route.url.slice(prefix.length).replace(/:(\w+)/g, '{$1}') || '/';
    for (const method of methods) {
      // Fastify adds HEAD beside every GET; the document lists the GET.
      if (method === 'HEAD') continue;
      routes.push({ method: method.toLowerCase(), path, schema: (route.schema ?? {}) as Json });
    }
  });
  return routes;
}

/** Named schemas met while building the document (src/http/shared/schemas.ts, `Named`). */
type Components = Map<string, Json>;

/**
 * A plain JSON copy of a TypeBox schema, without Berth's private markers;
 * named schemas are moved to `components` and referenced.
 */
function plain(schema: unknown, components?: Components): Json {
  const copy = JSON.parse(JSON.stringify(schema), (key, value) =>
    key === 'x-no-body' || key === 'x-body' ? undefined : value,
  );
  return components ? hoist(copy, components) : copy;
}

function hoist(node: unknown, components: Components): Json {
  if (Array.isArray(node)) return node.map((item) => hoist(item, components)) as unknown as Json;
  if (typeof node !== 'object' || node === null) return node as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = hoist(value, components);
  const name = out['x-component'];
  if (typeof name !== 'string') return out;
  delete out['x-component'];
  components.set(name, out);
  return { $ref: `#/components/schemas/${name}` };
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Errors' } } },
});

function parameters(where: 'path' | 'query', schema: unknown): Json[] {
  if (!schema) return [];
  const { properties = {}, required = [] } = plain(schema) as { properties?: Json; required?: string[] };
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...shape } = property as Json;
    return {
      name,
      in: where,
      required: where === 'path' || required.includes(name),
      ...(description ? { description } : {}),
      schema: shape,
    };
  });
}

function responses(schema: Json, paged: boolean, open: boolean, method: string, components: Components): Json {
  const out: Json = {};
  const declared = (schema.response ?? {}) as Record<string, unknown>;
  for (const [status, body] of Object.entries(declared)) {
    const noBody = (body as Json)['x-no-body'] === true;
    out[status] = {
      description: status.startsWith('2') ? (paged ? 'A page; X-Total-Count and Link give the rest' : 'Done') : status,
      ...(paged && status === '200'
        ? { headers: { 'X-Total-Count': { schema: { type: 'integer' } }, Link: { schema: { type: 'string' } } } }
        : {}),
      ...(noBody ? {} : { content: { 'application/json': { schema: plain(body, components) } } }),
    };
  }
  // A route without response schemas (a plugin that declared none) is listed, and says so.
  if (Object.keys(out).length === 0) out[method === 'post' ? '201' : '200'] = { description: UNDECLARED };
  out['400'] = errorResponse('Invalid request: the message names the field');
  if (!open) {
    out['401'] = errorResponse('Not signed in');
    out['403'] = errorResponse('Not allowed');
  }
  out['404'] = errorResponse('Not found (or not visible to the caller)');
  return out;
}

/** JSON, or one schema per content type (uploads: src/http/shared/schemas.ts, `ByContentType`). */
function requestBody(body: Json, components: Components): Json {
  const byType = body.content as Record<string, { schema: unknown }> | undefined;
  const content = byType
    ? Object.fromEntries(Object.entries(byType).map(([type, one]) => [type, { schema: plain(one.schema, components) }]))
    : { 'application/json': { schema: plain(body, components) } };
  return { required: true, content };
}

function operation(route: RecordedRoute, components: Components): Json {
  const { schema, method, path } = route;
  const open = Array.isArray(schema.security) && schema.security.length === 0;
  const pathParameters = schema.params
    ? parameters('path', schema.params)
    : [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
  const query = parameters('query', schema.querystring);
  const all = [...pathParameters, ...query];
  return {
    tags: (schema.tags as string[] | undefined) ?? [path.split('/')[1] || 'meta'],
    summary: (schema.summary as string | undefined) ?? `${method.toUpperCase()} ${path}`,
    operationId: `${method}${path.replace(/[^a-zA-Z0-9]+(\w)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
    ...(all.length > 0 ? { parameters: all } : {}),
    ...(schema.body ? { requestBody: requestBody(schema.body as Json, components) } : {}),
    ...(open ? { security: [] } : {}),
    responses: responses(
      schema,
      query.some((p) => p.name === 'page'),
      open,
      method,
      components,
    ),
  };
}

export function openApiDocument(routes: readonly RecordedRoute[], version = BERTH_VERSION) {
  const paths: Record<string, Record<string, unknown>> = {};
  const components: Components = new Map();
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path][route.method] = operation(route, components);
  }
  const named = Object.fromEntries([...components].sort(([a], [b]) => (a < b ? -1 : 1)));
  const { $id: _id, ...errors } = plain(ErrorsBody);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Berth management API',
      version,
      description: "Projects, repositories, artifacts, identities and Kubernetes wiring, in Harbor's v2.0 shapes.",
    },
    servers: [{ url: '/api/v2.0' }],
    security: [{ basic: [] }, { bearer: [] }],
    components: {
      securitySchemes: {
        basic: { type: 'http', scheme: 'basic' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
      schemas: { Errors: errors, ...named },
    },
    paths,
  };
}

export async function openApiRoutes(
  app: FastifyInstance,
  options: { routes: readonly RecordedRoute[] },
): Promise<void> {
  // Built on first request, when every plugin has added its routes.
  let document: string | undefined;
  const schema = {
    ...doc('meta', 'This document', true),
    response: { 200: Type.Object({}, { description: 'OpenAPI 3.1' }) },
  };
  app.get('/openapi.json', { schema }, async (_request, reply) => {
    document ??= JSON.stringify(openApiDocument(options.routes));
    return reply.type('application/json').send(document);
  });
}
