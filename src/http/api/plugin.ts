/**
 * The management API under /api/v2.0, in Harbor's shapes. Each resource is a
 * small plugin registered here; they share the error format below.
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from '../../core/registry.ts';
import type { KubeFeature } from '../../features/kube/feature.ts';
import { ApiError, apiErrorBody } from './errors.ts';
import { healthRoutes } from './health.ts';
import type { KubeAuthorizer } from './kube/context.ts';
import { kubeRoutes } from './kube/plugin.ts';

export interface ApiOptions {
  registry: Registry;
  onUnexpected?: (err: unknown) => void;
  /** Registry connections, clusters and pull secrets (/kube/…); absent: not served. */
  kube?: KubeFeature;
  /** Who may manage them; absent: everyone (no identity module wired yet). */
  authorizeKube?: KubeAuthorizer;
}

export async function apiPlugin(app: FastifyInstance, options: ApiOptions): Promise<void> {
  app.setErrorHandler((err, _request, reply) => {
    if (err instanceof ApiError) return reply.status(err.status).send(apiErrorBody(err.code, err.message));
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply
        .status(status)
        .send(apiErrorBody(status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', (err as Error).message));
    }
    options.onUnexpected?.(err);
    return reply.status(500).send(apiErrorBody('INTERNAL_SERVER_ERROR', 'internal server error'));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(apiErrorBody('NOT_FOUND', `no such endpoint: ${request.method} ${request.url}`));
  });
  const shared: ApiOptions = { registry: options.registry, onUnexpected: options.onUnexpected };
  await app.register(healthRoutes, shared);
  if (options.kube) await app.register(kubeRoutes, { kube: options.kube, authorize: options.authorizeKube });
}
