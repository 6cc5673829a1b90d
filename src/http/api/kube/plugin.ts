/** The Kubernetes resources of the management API (/api/v2.0/kube/…). */
import type { FastifyInstance } from 'fastify';
import { clusterRoutes } from './clusters.ts';
import { connectionRoutes } from './connections.ts';
import { type KubeApiOptions, toApiError } from './context.ts';
import { groupRoutes } from './groups.ts';

export async function kubeRoutes(app: FastifyInstance, options: KubeApiOptions): Promise<void> {
  // Feature errors become API errors; throwing hands them to the API's own handler.
  app.setErrorHandler((err) => {
    throw toApiError(err);
  });
  for (const routes of [connectionRoutes, groupRoutes, clusterRoutes]) await app.register(routes, options);
}
