/**
 * Berth's proxy-cache and group views: a group's recent pulls (which member
 * answered) and each proxy project's upstream health.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ProxyFeature } from '../../../features/proxy/feature.ts';
import { notFound } from '../errors.ts';

export interface ProxyApiOptions {
  proxy: ProxyFeature;
  /** Refuses unless the caller may read the project; absent: everyone may. */
  authorize?: (request: FastifyRequest, project: string) => Promise<void>;
}

const GroupPull = Type.Object({
  repository: Type.String(),
  reference: Type.String(),
  member: Type.String(),
  digest: Type.String(),
  at: Type.String(),
});

export async function proxyRoutes(plain: FastifyInstance, options: ProxyApiOptions): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { projects, cache } = options.proxy;

  app.get(
    '/projects/:project_name_or_id/group_pulls',
    {
      schema: {
        params: Type.Object({ project_name_or_id: Type.String({ minLength: 1 }) }),
        response: { 200: Type.Array(GroupPull) },
      },
    },
    async (request) => {
      const name = request.params.project_name_or_id;
      await options.authorize?.(request, name);
      const s = projects.settingsOf(name);
      if (!s?.members) throw notFound(`project ${name} is not a group`);
      return projects.recentPulls(name);
    },
  );

  app.get(
    '/projects/:project_name_or_id/proxy_status',
    {
      schema: {
        params: Type.Object({ project_name_or_id: Type.String({ minLength: 1 }) }),
        response: { 200: Type.Object({ registry_id: Type.Integer(), circuit_open: Type.Boolean() }) },
      },
    },
    async (request) => {
      const name = request.params.project_name_or_id;
      await options.authorize?.(request, name);
      const s = projects.settingsOf(name);
      if (s?.registryId == null) throw notFound(`project ${name} is not a proxy cache`);
      return { registry_id: s.registryId, circuit_open: cache.breakerOf(s.registryId).open };
    },
  );
}
