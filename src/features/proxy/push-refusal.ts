/**
 * Pushes to proxy-cache and group projects are refused (DENIED, saying what
 * the project is), both at the /v2 access check (before any upload starts)
 * and as a manifest guard (whatever path a push takes).
 */
import { RegistryError } from '../../core/errors.ts';
import type { Caller } from '../../core/hooks.ts';
import type { Registry } from '../../core/registry.ts';

/** Who fills a proxy cache: the one writer its projects accept blobs from. */
export const PROXY_FILL: Caller = { actor: 'berth-proxy-cache' };

import type { ProxyProjects } from './projects.ts';

export function pushRefusal(projects: ProxyProjects, repository: string): RegistryError | null {
  const s = projects.projectOf(repository);
  if (!s) return null;
  const what = s.registryId !== null ? 'a proxy cache' : 'a group of other projects';
  return new RegistryError('DENIED', `project ${s.project} is ${what}: pushes are refused (push to a hosted project)`, {
    project: s.project,
  });
}

interface Authorizer<C> {
  authorize(
    req: never,
    repository: string | null,
    actions: Array<'pull' | 'push' | 'delete'>,
    alsoNeeded?: never[],
  ): Promise<C>;
}

/** Wraps the /v2 access check: a push to a proxy or group project is DENIED before anything else. */
export function refusingPushes<C, A extends Authorizer<C>>(base: A, projects: ProxyProjects): A {
  const wrapped = Object.create(base) as A;
  wrapped.authorize = (async (
    req: never,
    repository: string | null,
    actions: Array<'pull' | 'push' | 'delete'>,
    alsoNeeded?: never[],
  ) => {
    if (repository !== null && actions.includes('push')) {
      const refusal = pushRefusal(projects, repository);
      if (refusal) throw refusal;
    }
    // The other scopes the request needs (a mount's `from`) go through: they name the challenge.
    return base.authorize(req, repository, actions, alsoNeeded);
  }) as A['authorize'];
  return wrapped;
}

export function addPushGuard(registry: Registry, projects: ProxyProjects): void {
  registry.hooks.addGuard({
    name: 'proxy-projects',
    async beforeManifestPut({ repository }) {
      const refusal = pushRefusal(projects, repository);
      if (refusal) throw refusal;
    },
    async beforeBlobLink({ repository, caller }) {
      if (caller.actor === PROXY_FILL.actor) return;
      const refusal = pushRefusal(projects, repository);
      if (refusal) throw refusal;
    },
  });
}
