/**
 * The /v2 AccessControl: decides each request from the caller's identity
 * (anonymous, Basic or Bearer), the token's `access` claims and the current
 * roles. A Bearer token must cover the action AND the account must still be
 * allowed it now (removed members, disabled robots and deleted users lose
 * access at once, whatever their tokens say).
 */
import type { IncomingMessage } from 'node:http';
import { principalName } from '../../core/access/principal.ts';
import type { RegistryAction } from '../../core/access/service.ts';
import { RegistryError } from '../../core/errors.ts';
import type { Caller } from '../../core/hooks.ts';
import { isValidName, projectOf } from '../../core/names.ts';
import type { AccessControl, Action, ScopeNeed } from '../oci/plugin.ts';
import { claimsAll } from '../token/tokens.ts';
import { clientAddress, type Gate } from './gate.ts';
import { RememberedPulls } from './remembered-pulls.ts';

export class RegistryAccess implements AccessControl {
  private readonly rememberedPulls: RememberedPulls;

  constructor(private readonly gate: Gate) {
    this.rememberedPulls = new RememberedPulls(() => gate.access.store.changeMark?.() ?? Symbol());
  }

  async authorize(
    req: IncomingMessage,
    repository: string | null,
    actions: Action[],
    alsoNeeded: ScopeNeed[] = [],
  ): Promise<Caller> {
    // A pull with the Authorization header of a pull allowed a moment ago (remembered-pulls.ts says when that holds).
    const authorization =
      repository !== null && actions.length === 1 && actions[0] === 'pull' && alsoNeeded.length === 0
        ? req.headers.authorization
        : undefined;
    let markBefore: unknown;
    if (authorization !== undefined) {
      const known = this.rememberedPulls.recall(authorization, repository as string);
      if (known) {
        this.gate.adopt(req, known.identity);
        return known.caller;
      }
      markBefore = this.rememberedPulls.mark();
    }
    const who = await this.gate.identify(req);
    const caller: Caller = {
      actor: who.principal.kind === 'anonymous' ? null : principalName(who.principal),
      ...(who.inspection ? { inspection: true } : {}),
    };
    if (repository === null) {
      // The base endpoint and the catalog: clients learn here that they must log in.
      if (who.via === 'none') throw this.gate.unauthorized(req, 'authentication required');
      return caller;
    }
    // Decide only on well-formed names: `a/../b` must never be judged as project `a`.
    if (!isValidName(repository))
      throw new RegistryError('NAME_INVALID', 'invalid repository name', { name: repository });
    // Several scopes share one space-separated `scope` parameter, as Distribution writes them.
    // Built only for a refusal: every pull of a registry passes here.
    const scope = () =>
      [{ repository, actions }, ...alsoNeeded.filter((n) => isValidName(n.repository))]
        .map((n) => `repository:${n.repository}:${n.actions.join(',')}`)
        .join(' ');
    const granted = await this.gate.access.repositoryActions(who.principal, repository, actions as RegistryAction[]);
    const allowed = actions.every((a) => granted.includes(a));
    if (!allowed) {
      if (who.principal.kind === 'anonymous') throw this.gate.unauthorized(req, 'authentication required', scope());
      // Only an administrator's push creates a project: tell everyone else why, not a bare "denied".
      const project = projectOf(repository);
      if (!(await this.gate.access.store.projectByName(project)))
        throw new RegistryError(
          'DENIED',
          `project ${project} does not exist: ask an administrator to create it (berth project create ${project})`,
          { repository, project },
        );
      throw new RegistryError('DENIED', `requested access to ${repository} is denied`, {
        repository,
        actions,
      });
    }
    if (who.via === 'bearer') {
      if (!claimsAll(who.claims ?? [], repository, actions))
        throw this.gate.unauthorized(req, 'the token does not grant this access', scope(), 'insufficient_scope');
    }
    if (actions.includes('push')) await this.gate.access.projectForPush(who.principal, repository, clientAddress(req));
    if (authorization !== undefined) this.rememberedPulls.remember(authorization, repository, who, caller, markBefore);
    return caller;
  }

  async visible(req: IncomingMessage, names: string[]): Promise<string[]> {
    const who = await this.gate.identify(req);
    const byProject = new Map<string, boolean>();
    const out: string[] = [];
    for (const name of names) {
      const project = projectOf(name);
      let ok = byProject.get(project);
      if (ok === undefined) {
        ok = (await this.gate.access.repositoryActions(who.principal, name, ['pull'])).length > 0;
        // An administrator sees repositories even outside any project.
        byProject.set(project, ok);
      }
      if (ok) out.push(name);
    }
    return out;
  }
}
