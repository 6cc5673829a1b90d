/**
 * The Kubernetes resources' authorization through the identity module:
 * system administrators manage everything; a project administrator
 * (`changeSettings` in the role matrix) manages the connections of that
 * project, and creates robots for them where it may also manage robots.
 * With authentication off, every caller acts as administrator.
 */
import type { FastifyRequest } from 'fastify';
import { isSysadmin, principalName } from '../../../core/access/principal.ts';
import type { Actor } from '../../../features/kube/robots.ts';
import { type AccessApi, addressOf, callerOf, requireOn, userOf } from '../access/context.ts';
import { forbidden } from '../errors.ts';
import type { KubeAuthorizer } from './context.ts';

export function kubeAuthorizer(api: AccessApi): KubeAuthorizer {
  return async (request: FastifyRequest, { projectId, robots }) => {
    const who = await userOf(api, request);
    if (isSysadmin(who)) return;
    const project = projectId === null ? null : await api.access.store.projectById(projectId);
    if (!project) throw forbidden('only system administrators manage Kubernetes settings');
    await requireOn(api, who, project, 'changeSettings');
    if (robots) await requireOn(api, who, project, 'manageRobots');
  };
}

/** The caller's name and address, for robot accounts a connection creates. */
export function kubeActor(api: AccessApi): (request: FastifyRequest) => Promise<Actor> {
  return async (request) => ({ name: principalName(await callerOf(api, request)), address: addressOf(request) });
}
