/** Harbor-shaped health and system information. */
import type { FastifyInstance } from 'fastify';
import type { Registry } from '../../core/registry.ts';
import { BERTH_VERSION } from '../../core/version.ts';
import type { SettingsService } from '../../features/settings/service.ts';
import { doc, typed } from '../shared/schemas.ts';
import { Health, SystemInfo } from './catalog-schemas.ts';

export interface HealthRouteOptions {
  registry: Registry;
  /** Where the registry's name is kept; absent, the console calls it Berth. */
  settings?: SettingsService;
}

export async function healthRoutes(parent: FastifyInstance, options: HealthRouteOptions): Promise<void> {
  const app = typed(parent);
  const health = {
    ...doc('meta', 'Health of Berth and its components (Harbor shape)', true),
    response: { 200: Health, 503: Health },
  };
  app.get('/health', { schema: health }, async (_request, reply) => {
    const components = await Promise.all([
      check('database', () => options.registry.probeDatabase()),
      check('storage', () => options.registry.probeStorage()),
    ]);
    const healthy = components.every((c) => c.status === 'healthy');
    reply.status(healthy ? 200 : 503);
    return { status: healthy ? 'healthy' : 'unhealthy', components };
  });
  const info = { ...doc('meta', 'Version and settings the console needs', true), response: { 200: SystemInfo } };
  app.get('/systeminfo', { schema: info }, async () => ({
    registry_url: '',
    harbor_version: `berth-${BERTH_VERSION}`,
    berth_version: BERTH_VERSION,
    storage_driver: options.registry.storageName,
    // Public like the rest of /systeminfo: the console's header shows it before anyone signs in.
    registry_name: options.settings ? (await options.settings.view()).registry_name : 'Berth',
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
