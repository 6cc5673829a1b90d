/**
 * Plain liveness and readiness answers for orchestrators (Kubernetes probes,
 * load balancers): `/livez` says the process serves requests; `/readyz` says
 * it can do its work (database answers, storage writable), 503 naming what
 * is not. The Harbor-shaped detail is `/api/v2.0/health`.
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from '../core/registry.ts';

export async function probeRoutes(app: FastifyInstance, options: { registry: Registry }): Promise<void> {
  app.get('/livez', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('ok\n'));
  app.get('/readyz', async (_request, reply) => {
    const { metadata, storage } = options.registry;
    const problems: string[] = [];
    await metadata.repositoryExists('readiness-check').catch((err: Error) => problems.push(`database: ${err.message}`));
    await (storage.checkWritable ? storage.checkWritable() : storage.stat('readiness-check')).catch((err: Error) =>
      problems.push(`storage: ${err.message}`),
    );
    reply.type('text/plain; charset=utf-8');
    if (problems.length > 0) return reply.status(503).send(`not ready\n${problems.join('\n')}\n`);
    return reply.send('ok\n');
  });
}
