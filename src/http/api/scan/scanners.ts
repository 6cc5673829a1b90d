/**
 * Harbor's /scanners, answered for the built-in scanner only: `GET /scanners` lists Berth's own
 * offline scanner as the default registration, `GET /scanners/{id}` shows it. Registering an external
 * adapter (Harbor's pluggable scanner API, e.g. Trivy's) is not supported yet: POST answers 501, so a
 * client learns it plainly instead of believing its adapter is used.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ApiError, notFound } from '../errors.ts';

export const BUILT_IN_SCANNER_ID = 'berth-builtin';
const STARTED = new Date().toISOString();

function builtIn() {
  return {
    uuid: BUILT_IN_SCANNER_ID,
    name: 'Berth',
    description: 'Built-in offline scanner: an imported OSV database, no network at scan time',
    url: 'builtin://berth',
    disabled: false,
    is_default: true,
    auth: '',
    access_credential: '',
    skip_certVerify: false,
    use_internal_addr: true,
    create_time: STARTED,
    update_time: STARTED,
    adapter: 'Berth',
    vendor: 'Berth',
    version: '1.0',
    health: 'healthy',
  };
}

export async function scannerRoutes(
  parent: FastifyInstance,
  options: { requireAdmin(request: FastifyRequest): Promise<void> },
): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/scanners', async (request, reply) => {
    await options.requireAdmin(request);
    reply.header('X-Total-Count', '1');
    return [builtIn()];
  });
  app.get(
    '/scanners/:registration_id',
    { schema: { params: Type.Object({ registration_id: Type.String({ maxLength: 64 }) }) } },
    async (request) => {
      await options.requireAdmin(request);
      const id = request.params.registration_id;
      if (id !== BUILT_IN_SCANNER_ID) throw notFound(`scanner ${id} does not exist`);
      return builtIn();
    },
  );
  app.post('/scanners', async (request) => {
    await options.requireAdmin(request);
    throw new ApiError(
      501,
      'NOT_IMPLEMENTED',
      'external scanners (Harbor pluggable scanner adapters) are not supported yet; Berth scans with its built-in offline scanner',
    );
  });
}
