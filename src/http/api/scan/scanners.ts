/**
 * Harbor's scanner management: `/scanners` (the built-in scanner and external
 * adapters of the pluggable scanner API), ping, metadata, the default, and
 * the scanner of a project (`/projects/{project_name_or_id}/scanner`).
 * `access_credential` is accepted, sealed, and never answered.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AdapterError } from '../../../features/scan/adapter-client.ts';
import {
  ScannerConflictError,
  ScannerInputError,
  ScannerNotFoundError,
  type ScannerRegistry,
} from '../../../features/scan/scanners.ts';
import { doc, Empty, Named, NoBody, typed } from '../../shared/schemas.ts';
import { badRequest, conflict, notFound } from '../errors.ts';

export { BUILT_IN_SCANNER_ID } from '../../../features/scan/scanners.ts';

export interface ScannerRouteOptions {
  scanners: ScannerRegistry;
  requireAdmin(request: FastifyRequest): Promise<void>;
  /** The project's id after checking the caller may read (`write`: change) it; throws 404/403. */
  project(request: FastifyRequest, nameOrId: string, write: boolean): Promise<number>;
}

const Scanner = Named(
  'ScannerRegistration',
  Type.Object({
    uuid: Type.String(),
    name: Type.String(),
    description: Type.String(),
    url: Type.String(),
    disabled: Type.Boolean(),
    is_default: Type.Boolean(),
    auth: Type.String({ description: 'Basic, Bearer, APIKey or empty; the credential itself is never returned' }),
    skip_certVerify: Type.Boolean(),
    use_internal_addr: Type.Boolean(),
    create_time: Type.String(),
    update_time: Type.String(),
  }),
);

const ScannerReq = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  url: Type.String({ minLength: 1, maxLength: 2048 }),
  auth: Type.Optional(Type.String({ maxLength: 16 })),
  access_credential: Type.Optional(Type.String({ maxLength: 4096 })),
  skip_certVerify: Type.Optional(Type.Boolean()),
  use_internal_addr: Type.Optional(Type.Boolean()),
  disabled: Type.Optional(Type.Boolean()),
});

const PingReq = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 255 })),
  url: Type.String({ minLength: 1, maxLength: 2048 }),
  auth: Type.Optional(Type.String({ maxLength: 16 })),
  access_credential: Type.Optional(Type.String({ maxLength: 4096 })),
});

const Metadata = Named(
  'ScannerAdapterMetadata',
  Type.Object({
    scanner: Type.Object({ name: Type.String(), vendor: Type.String(), version: Type.String() }),
    capabilities: Type.Array(
      Type.Object({
        type: Type.Optional(Type.String()),
        consumes_mime_types: Type.Array(Type.String()),
        produces_mime_types: Type.Array(Type.String()),
      }),
    ),
    properties: Type.Record(Type.String(), Type.String()),
  }),
);

const IdParams = Type.Object({ registration_id: Type.String({ minLength: 1, maxLength: 64 }) });
const ProjectParams = Type.Object({ project_name_or_id: Type.String({ minLength: 1, maxLength: 255 }) });

/** Domain errors of the scanner registry as API errors. */
async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ScannerInputError || err instanceof AdapterError) throw badRequest(err.message);
    if (err instanceof ScannerConflictError) throw conflict(err.message);
    if (err instanceof ScannerNotFoundError) throw notFound(err.message);
    throw err;
  }
}

export async function scannerRoutes(parent: FastifyInstance, options: ScannerRouteOptions): Promise<void> {
  const app = typed(parent);
  const { scanners, requireAdmin } = options;

  app.get(
    '/scanners',
    { schema: { ...doc('scanners', 'Scanner registrations'), response: { 200: Type.Array(Scanner) } } },
    async (request, reply) => {
      await requireAdmin(request);
      const list = await scanners.list();
      reply.header('X-Total-Count', String(list.length));
      return list;
    },
  );

  app.post(
    '/scanners',
    {
      schema: {
        ...doc('scanners', 'Register an external scanner (a pluggable scanner API adapter)'),
        body: ScannerReq,
        response: { 201: NoBody },
      },
    },
    async (request, reply) => {
      await requireAdmin(request);
      const uuid = await answer(() => scanners.create(request.body));
      return reply.status(201).header('location', `/api/v2.0/scanners/${uuid}`).send();
    },
  );

  app.post(
    '/scanners/ping',
    {
      schema: {
        ...doc('scanners', 'Check that an adapter answers its metadata'),
        body: PingReq,
        response: { 200: Empty },
      },
    },
    async (request) => {
      await requireAdmin(request);
      await answer(() => scanners.ping(request.body));
      return {};
    },
  );

  app.get(
    '/scanners/:registration_id',
    { schema: { ...doc('scanners', 'One registration'), params: IdParams, response: { 200: Scanner } } },
    async (request) => {
      await requireAdmin(request);
      return answer(() => scanners.get(request.params.registration_id));
    },
  );

  app.put(
    '/scanners/:registration_id',
    {
      schema: {
        ...doc('scanners', 'Change a registration (an omitted credential is kept)'),
        params: IdParams,
        body: ScannerReq,
        response: { 200: Empty },
      },
    },
    async (request) => {
      await requireAdmin(request);
      await answer(() => scanners.update(request.params.registration_id, request.body));
      return {};
    },
  );

  app.patch(
    '/scanners/:registration_id',
    {
      schema: {
        ...doc('scanners', 'Make a registration the default scanner'),
        params: IdParams,
        body: Type.Object({ is_default: Type.Boolean() }),
        response: { 200: Empty },
      },
    },
    async (request) => {
      await requireAdmin(request);
      const id = request.params.registration_id;
      await answer(async () => {
        if (request.body.is_default) await scanners.setDefault(id);
        // Unsetting the default falls back to the built-in scanner.
        else if ((await scanners.get(id)).is_default) await scanners.setDefault('berth-builtin');
      });
      return {};
    },
  );

  app.delete(
    '/scanners/:registration_id',
    {
      schema: {
        ...doc('scanners', 'Remove a registration (its projects fall back to the default)'),
        params: IdParams,
        response: { 200: Scanner },
      },
    },
    async (request) => {
      await requireAdmin(request);
      return answer(() => scanners.remove(request.params.registration_id));
    },
  );

  app.get(
    '/scanners/:registration_id/metadata',
    {
      schema: {
        ...doc('scanners', "The adapter's metadata (scanner, capabilities)"),
        params: IdParams,
        response: { 200: Metadata },
      },
    },
    async (request) => {
      await requireAdmin(request);
      return answer(() => scanners.metadata(request.params.registration_id));
    },
  );

  app.get(
    '/projects/:project_name_or_id/scanner',
    {
      schema: { ...doc('scanners', 'The scanner of a project'), params: ProjectParams, response: { 200: Scanner } },
    },
    async (request) => {
      const id = await options.project(request, request.params.project_name_or_id, false);
      return scanners.ofProject(id);
    },
  );

  app.put(
    '/projects/:project_name_or_id/scanner',
    {
      schema: {
        ...doc('scanners', 'Choose the scanner of a project'),
        params: ProjectParams,
        body: Type.Object({ uuid: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: Empty },
      },
    },
    async (request) => {
      const id = await options.project(request, request.params.project_name_or_id, true);
      await answer(() => scanners.setProjectScanner(id, request.body.uuid));
      return {};
    },
  );
}
