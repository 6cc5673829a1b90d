/**
 * The Kubernetes resources' authorization through the identity module:
 * system administrators manage everything; a project administrator
 * (`changeSettings` in the role matrix) manages the connections of that
 * project. With authentication off, every caller acts as administrator.
 */
import type { FastifyRequest } from 'fastify';
import { isSysadmin } from '../../../core/access/principal.ts';
import { type AccessApi, requireOn, userOf } from '../access/context.ts';
import { forbidden } from '../errors.ts';
import type { KubeAuthorizer } from './context.ts';

export function kubeAuthorizer(api: AccessApi): KubeAuthorizer {
  return async (request: FastifyRequest, { projectId }) => {
    const who = await userOf(api, request);
    if (isSysadmin(who)) return;
    const project = projectId === null ? null : await api.access.store.projectById(projectId);
    if (!project) throw forbidden('only system administrators manage Kubernetes settings');
    await requireOn(api, who, project, 'changeSettings');
  };
}
