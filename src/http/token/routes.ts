/**
 * GET /service/token (and the OAuth2 password grant on POST): issues a
 * registry token whose `access` claims hold exactly the requested actions the
 * caller may take (distribution docs/spec/auth/token.md).
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ANONYMOUS, type Principal, principalName } from '../../core/access/principal.ts';
import type { RegistryAction } from '../../core/access/service.ts';
import { RegistryError } from '../../core/errors.ts';
import { isValidName } from '../../core/names.ts';
import { clientAddress, type Gate, parseBasic } from '../access/gate.ts';
import { ociError, ociErrorBody } from '../shared/error-table.ts';
import type { AccessClaim } from './tokens.ts';

const ALL: RegistryAction[] = ['pull', 'push', 'delete'];

/** `repository:team/app:pull,push` → a claim request; null when malformed. */
export function parseScope(scope: string): AccessClaim | null {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return null;
  const type = scope.slice(0, first);
  const name = scope.slice(first + 1, last);
  const actions = scope
    .slice(last + 1)
    .split(',')
    .filter(Boolean);
  if (type === 'registry' && name === 'catalog') return { type, name, actions: ['*'] };
  if (type !== 'repository' || !isValidName(name)) return null;
  const expanded = actions.includes('*') ? ALL : actions;
  if (expanded.some((a) => !ALL.includes(a as RegistryAction))) return null;
  return { type, name, actions: [...new Set(expanded)] };
}

export interface TokenRouteOptions {
  gate: Gate;
}

export async function tokenRoutes(app: FastifyInstance, options: TokenRouteOptions): Promise<void> {
  const { gate } = options;
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 65536 },
    (_r, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  const issue = async (req: IncomingMessage, reply: FastifyReply, principal: Principal, scopes: string[]) => {
    const wanted: AccessClaim[] = [];
    for (const s of scopes) {
      for (const one of s.split(' ').filter(Boolean)) {
        const claim = parseScope(one);
        if (!claim) return refuse(reply, new RegistryError('SCOPE_INVALID', `invalid scope: ${one}`));
        wanted.push(claim);
      }
    }
    const access: AccessClaim[] = [];
    for (const w of wanted) {
      if (w.type === 'registry') {
        if (principal.kind !== 'anonymous') access.push(w);
        continue;
      }
      const granted = await gate.access.repositoryActions(principal, w.name, w.actions as RegistryAction[]);
      if (granted.length > 0) access.push({ type: 'repository', name: w.name, actions: granted });
    }
    const subject = principal.kind === 'anonymous' ? '' : principal.name;
    const t = await gate.tokens.issue(subject, access, principal.kind === 'anonymous' ? undefined : principal.id);
    // A login is what `docker login`/`podman login` do: a token for no repository.
    // The tokens every pull and push fetch are not logins (their pulls and
    // pushes are audited themselves); recording them drowned the log.
    const interactive = !wanted.some((w) => w.type === 'repository');
    if (principal.kind !== 'anonymous' && interactive)
      await gate.access.audit({
        username: principalName(principal),
        resource: principalName(principal),
        resourceType: 'user',
        operation: 'login',
        result: 'success',
        project: null,
        address: clientAddress(req),
      });
    return reply
      .header('cache-control', 'no-store')
      .send({ token: t.token, access_token: t.token, expires_in: t.expiresIn, issued_at: t.issuedAt });
  };

  const fail = (reply: FastifyReply, err: unknown) => {
    if (err instanceof RegistryError && (err.code === 'UNAUTHORIZED' || err.code === 'TOOMANYREQUESTS')) {
      if (err.code === 'TOOMANYREQUESTS') reply.header('retry-after', err.headers?.['retry-after']);
      return refuse(reply, err);
    }
    throw err;
  };

  app.get('/service/token', async (request, reply) => {
    const query = new URLSearchParams(request.url.slice(request.url.indexOf('?') + 1 || request.url.length));
    try {
      const header = request.headers.authorization;
      let principal: Principal = ANONYMOUS;
      if (header) {
        const basic = parseBasic(header);
        if (!basic) return refuse(reply, new RegistryError('UNAUTHORIZED', 'use Basic credentials'));
        principal = await gate.login(request.raw, basic.username, basic.password);
      }
      return await issue(request.raw, reply, principal, query.getAll('scope'));
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.post('/service/token', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string>;
    if (body.grant_type !== 'password')
      return reply.status(400).send({ error: 'unsupported_grant_type', error_description: 'use grant_type=password' });
    try {
      const principal = await gate.login(request.raw, body.username ?? '', body.password ?? '');
      return await issue(request.raw, reply, principal, body.scope ? [body.scope] : []);
    } catch (err) {
      return fail(reply, err);
    }
  });
}

/** A refusal in OCI's shape, status and code from the one error table. */
function refuse(reply: FastifyReply, err: RegistryError) {
  const { status, code } = ociError(err.code);
  return reply.status(status).type('application/json').send(ociErrorBody(code, err.message));
}
