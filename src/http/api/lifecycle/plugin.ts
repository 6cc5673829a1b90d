/** The storage-lifecycle resources: GC, quotas and usage, immutable tag rules, tag history and rollback, tag retention. */
import type { FastifyInstance } from 'fastify';
import type { LifecycleApiOptions } from './context.ts';
import { gcRoutes } from './gc.ts';
import { quotaRoutes } from './quotas.ts';
import { retentionRoutes } from './retention.ts';
import { tagLifecycleRoutes } from './tags.ts';

export async function lifecycleRoutes(app: FastifyInstance, options: LifecycleApiOptions): Promise<void> {
  await app.register(gcRoutes, options);
  await app.register(quotaRoutes, options);
  await app.register(tagLifecycleRoutes, options);
  await app.register(retentionRoutes, options);
}
