/**
 * DELETE /projects/{project}/repositories/{repository} (Harbor): removes a
 * repository with its tags and manifests (blobs are left to garbage
 * collection). Needs the `deleteRepository` permission. Harbor encodes the
 * slashes of a nested name twice (`a%252Fb`).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { isValidName } from '../../../core/names.ts';
import { doc, Empty, typed } from '../../shared/schemas.ts';
import { badRequest, notFound } from '../errors.ts';
import { type AccessApi, addressOf, callerOf, projectParam, requireOn } from './context.ts';

const RepositoryParams = Type.Object({
  project_name_or_id: Type.String({
    minLength: 1,
    maxLength: 255,
    description: "the project's name (Harbor: project_name)",
  }),
  repository_name: Type.String({ minLength: 1, description: 'name inside the project; slashes encoded twice' }),
});

export async function repositoryRoutes(parent: FastifyInstance, api: AccessApi): Promise<void> {
  const app = typed(parent);
  const schema = { ...doc('repositories', 'Delete a repository'), params: RepositoryParams, response: { 200: Empty } };
  app.delete('/projects/:project_name_or_id/repositories/:repository_name', { schema }, async (request) => {
    const who = await callerOf(api, request);
    const params = request.params;
    const project = await projectParam(api, request, params.project_name_or_id);
    await requireOn(api, who, project, 'deleteRepository');
    let short: string;
    try {
      short = decodeURIComponent(params.repository_name);
    } catch {
      throw badRequest('invalid repository name');
    }
    const name = `${project.name}/${short}`;
    if (!isValidName(name)) throw badRequest('invalid repository name');
    if (!(await api.registry.deleteRepository(name))) throw notFound(`repository ${name} not found`);
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
