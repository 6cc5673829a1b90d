/**
 * The management API under /api/v2.0, in Harbor's shapes. Each resource is a
 * small plugin registered here; they share the error format below.
 */
import type { FastifyInstance } from 'fastify';
import type { CatalogQueries } from '../../core/ports-catalog.ts';
import type { Registry } from '../../core/registry.ts';
import { artifactRoutes } from './artifacts.ts';
import type { CatalogAuthorizer, TrafficSource } from './catalog-context.ts';
import { ApiError, apiErrorBody } from './errors.ts';
import { healthRoutes } from './health.ts';
import { apiErrorFromRegistry } from './registry-errors.ts';
import { repositoryRoutes } from './repositories.ts';
import { statisticsRoutes } from './statistics.ts';

export interface ApiOptions {
  registry: Registry;
  onUnexpected?: (err: unknown) => void;
  /** Browsing queries; without them the repository, artifact and statistics routes are absent. */
  catalog?: CatalogQueries;
  traffic?: TrafficSource;
  /** Access decisions for the browsing routes; absent: everyone may do everything. */
  authorize?: CatalogAuthorizer;
}

export async function apiPlugin(app: FastifyInstance, options: ApiOptions): Promise<void> {
  app.setErrorHandler((err, _request, reply) => {
    const known = err instanceof ApiError ? err : apiErrorFromRegistry(err);
    if (known) return reply.status(known.status).send(apiErrorBody(known.code, known.message));
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
  if (options.catalog) {
    const browsing = {
      registry: options.registry,
      catalog: options.catalog,
      traffic: options.traffic,
      authorize: options.authorize,
    };
    await app.register(repositoryRoutes, browsing);
    await app.register(artifactRoutes, browsing);
    await app.register(statisticsRoutes, browsing);
  }
}
