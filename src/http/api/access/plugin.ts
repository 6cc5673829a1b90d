/** The access resources of the management API. */
import type { FastifyInstance } from 'fastify';
import { auditRoutes } from './audit.ts';
import type { AccessApi } from './context.ts';
import { memberRoutes } from './members.ts';
import { projectRoutes } from './projects.ts';
import { repositoryRoutes } from './repositories.ts';
import { robotRoutes } from './robots.ts';
import { userRoutes } from './users.ts';

export async function accessRoutes(app: FastifyInstance, api: AccessApi): Promise<void> {
  for (const routes of [projectRoutes, repositoryRoutes, userRoutes, memberRoutes, robotRoutes, auditRoutes]) {
    await app.register(routes, api);
  }
}
