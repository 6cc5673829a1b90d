/**
 * DELETE /projects/{project}/repositories/{repository} (Harbor): removes a
 * repository with its tags and manifests (blobs are left to garbage
 * collection). Needs the `deleteRepository` permission. Harbor encodes the
 * slashes of a nested name twice (`a%252Fb`).
 */
import type { FastifyInstance } from 'fastify';
import { isValidName } from '../../../core/names.ts';
import { badRequest, notFound } from '../errors.ts';
import { type AccessApi, addressOf, callerOf, projectParam, requireOn } from './context.ts';

export async function repositoryRoutes(app: FastifyInstance, api: AccessApi): Promise<void> {
  app.delete('/projects/:project/repositories/:repository', async (request) => {
    const who = await callerOf(api, request);
    const params = request.params as { project: string; repository: string };
    const project = await projectParam(api, request, params.project);
    await requireOn(api, who, project, 'deleteRepository');
    let short: string;
    try {
      short = decodeURIComponent(params.repository);
    } catch {
      throw badRequest('invalid repository name');
    }
    const name = `${project.name}/${short}`;
    if (!isValidName(name)) throw badRequest('invalid repository name');
    if (!(await api.registry.metadata.deleteRepository(name))) throw notFound(`repository ${name} not found`);
    await api.access.audit({
      username: who.kind === 'anonymous' ? 'anonymous' : who.name,
      resource: name,
      resourceType: 'repository',
      operation: 'delete',
      result: 'success',
      project: project.name,
      address: addressOf(request),
    });
    return {};
  });
}
