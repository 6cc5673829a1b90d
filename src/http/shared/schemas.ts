/**
 * Schema pieces every management route shares: ids, Harbor's paging query,
 * the error body, and `typed()`, the Fastify instance whose handlers see the
 * types of their schemas. Integers carry bounds so that `page=1e20` or an id
 * above 2^31-1 is a 400 naming the parameter, never a database error.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { type Static, type TSchema, Type } from 'typebox';

/** The largest id a database integer column holds (PostgreSQL `integer`). */
export const MAX_ID = 2_147_483_647;

export const typed = (app: FastifyInstance) => app.withTypeProvider<TypeBoxTypeProvider>();

export const Id = (description = 'numeric id') => Type.Integer({ minimum: 1, maximum: MAX_ID, description });

/**
 * A schema the OpenAPI document lists once under components/schemas (and
 * the console's generated types export by that name), referenced wherever
 * it is used. Not `$id`: Ajv compiles each route on its own and would
 * refuse the same id twice.
 */
export const Named = <T extends TSchema>(name: string, schema: T): T =>
  Object.assign(schema, { 'x-component': name }) as T;

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Harbor's list parameters. `page_size` at most 100. */
export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ID, default: 1, description: 'page, from 1' })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'items per page' })),
};
export const SearchQuery = {
  q: Type.Optional(Type.String({ description: 'Harbor query: `key=value` or `key=~part`, comma-separated' })),
  sort: Type.Optional(Type.String({ description: '`field` or `-field`' })),
};

export const ErrorsBody = Type.Object(
  {
    errors: Type.Array(
      Type.Object({ code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()) }),
    ),
  },
  { $id: 'Errors' },
);

/** `{}`: what Harbor answers to an update or a delete. */
export const Empty = Type.Object({});
/** No body (201 with a Location header, or a HEAD answer). */
export const NoBody = Type.Unsafe<undefined>({ 'x-no-body': true, description: 'no body' });

/** Route documentation: the summary and tag the OpenAPI document shows; `open` routes need no sign-in. */
export const doc = (tag: string, summary: string, open = false) => ({
  tags: [tag],
  summary,
  ...(open ? { security: [] } : {}),
});

/**
 * Upload bodies. `Bytes`: the route's content-type parser hands the handler
 * the body as a Buffer (a zip). `Streamed`: the parser leaves the body unread
 * and the handler streams `request.raw` to disk (a bundle of gigabytes).
 * Both are OpenAPI's binary string; src/http/shared/validation.ts checks a
 * `Bytes` body is bytes and lets a `Streamed` one through to its handler.
 */
export const Bytes = (description: string) =>
  Type.Unsafe<Buffer>({ type: 'string', format: 'binary', 'x-body': 'bytes', description });
export const Streamed = (description: string) =>
  Type.Unsafe<undefined>({ type: 'string', format: 'binary', 'x-body': 'stream', description });

/**
 * A body declared per content type, as Fastify validates it: the schema of
 * the type the client sent checks the body (a route that accepts only these
 * types says so in its `content-type` header schema too, since JSON always
 * has a parser). The handler sees the union of the listed types.
 */
export const ByContentType = <T extends Record<string, TSchema>>(types: T) =>
  Type.Unsafe<{ [K in keyof T]: Static<T[K]> }[keyof T]>({
    content: Object.fromEntries(Object.entries(types).map(([type, schema]) => [type, { schema }])),
  });
