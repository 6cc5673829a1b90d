/**
 * Plain liveness and readiness answers for orchestrators (Kubernetes probes,
 * load balancers): `/livez` says the process serves requests; `/readyz` says
 * it can do its work (database answers, storage writable), 503 naming what
 * is not. The Harbor-shaped detail is `/api/v2.0/health`.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Registry } from '../core/registry.ts';

/** Both probes take no input and answer text: "ok", or "not ready" and one line per problem. */
const PROBE = { response: { 200: Type.String(), 503: Type.String() } } as const;

export async function probeRoutes(app: FastifyInstance, options: { registry: Registry }): Promise<void> {
  const { registry } = options;
  app.get('/livez', { schema: PROBE }, async (_request, reply) => reply.type('text/plain; charset=utf-8').send('ok\n'));
  app.get('/readyz', { schema: PROBE }, async (_request, reply) => {
    const problems: string[] = [];
    await registry.probeDatabase().catch((err: Error) => problems.push(`database: ${err.message}`));
    await registry.probeStorage().catch((err: Error) => problems.push(`storage: ${err.message}`));
    reply.type('text/plain; charset=utf-8');
    if (problems.length > 0) return reply.status(503).send(`not ready\n${problems.join('\n')}\n`);
    return reply.send('ok\n');
  });
}
