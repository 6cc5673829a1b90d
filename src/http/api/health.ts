/** Harbor-shaped health and system information. */
import type { FastifyInstance } from 'fastify';
import type { ApiOptions } from './plugin.ts';

export async function healthRoutes(app: FastifyInstance, options: ApiOptions): Promise<void> {
  app.get('/health', async (_request, reply) => {
    const components = await Promise.all([
      check('database', () => options.registry.metadata.repositoryExists('health-check')),
      check('storage', async () => {
        const storage = options.registry.storage;
        // Readable is not enough: a full or read-only storage fails every push.
        await (storage.checkWritable ? storage.checkWritable() : storage.stat('health-check'));
      }),
    ]);
    const healthy = components.every((c) => c.status === 'healthy');
    reply.status(healthy ? 200 : 503);
    return { status: healthy ? 'healthy' : 'unhealthy', components };
  });
  app.get('/systeminfo', async () => ({
    registry_url: '',
    harbor_version: 'berth-0.1.0',
    berth_version: '0.1.0',
    storage_driver: options.registry.storage.name,
  }));
}

async function check(name: string, probe: () => Promise<unknown>) {
  try {
    await probe();
    return { name, status: 'healthy' };
  } catch (err) {
    return { name, status: 'unhealthy', error: (err as Error).message };
  }
}
