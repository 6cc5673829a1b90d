/**
 * GET /service/token (and the OAuth2 password grant on POST): issues a
 * registry token whose `access` claims hold exactly the requested actions the
 * caller may take (distribution docs/spec/auth/token.md).
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { ANONYMOUS, type Principal, principalName } from '../../core/access/principal.ts';
import type { RegistryAction } from '../../core/access/service.ts';
import { RegistryError } from '../../core/errors.ts';
import { isValidName } from '../../core/names.ts';
import { clientAddress, type Gate, parseBasic } from '../access/gate.ts';
import { ociError, ociErrorBody } from '../shared/error-table.ts';
import { typed } from '../shared/schemas.ts';
import { installSchemaValidation, ociValidationHandler, validationProblem } from '../shared/validation.ts';
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

const Text = (maxLength: number, description?: string) =>
  Type.Optional(Type.String({ maxLength, ...(description ? { description } : {}) }));

/** docker's token request (distribution docs/spec/auth/token.md): `scope` may repeat. */
const TokenQuery = Type.Object({
  service: Text(255),
  scope: Type.Optional(Type.Array(Type.String({ maxLength: 16384 }), { maxItems: 100 })),
  account: Text(255),
  client_id: Text(255),
  offline_token: Text(8),
});

/** The OAuth2 password grant (docs/spec/auth/oauth.md); username and password are required with it. */
const TokenForm = Type.Object(
  {
    grant_type: Type.String({ maxLength: 64 }),
    username: Text(255),
    password: Text(1024),
    scope: Text(16384, 'space-separated scopes'),
    service: Text(255),
    client_id: Text(255),
    access_type: Text(16),
    refresh_token: Text(16384),
  },
  {
    if: { properties: { grant_type: { const: 'password' } } },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a promise
    then: { required: ['username', 'password'] },
  },
);

const Token = Type.Object({
  token: Type.String(),
  access_token: Type.String(),
  expires_in: Type.Integer(),
  issued_at: Type.String(),
});

/** RFC 6749's error body (section 5.2). */
const OAuthError = Type.Object({ error: Type.String(), error_description: Type.Optional(Type.String()) });

/**
 * A request that fails its schema: on the OAuth2 POST, RFC 6749's
 * `invalid_request` (what docker and podman read from that endpoint); on
 * GET, the registry's error body, as the token spec's clients expect.
 */
function invalidRequest(err: FastifyError, request: { method: string }, reply: FastifyReply) {
  const problem = validationProblem(err);
  if (!problem) throw err;
  if (request.method === 'POST')
    return reply
      .status(400)
      .header('cache-control', 'no-store')
      .send({ error: 'invalid_request', error_description: problem.message });
  return ociValidationHandler()(err, request as never, reply);
}

export async function tokenRoutes(parent: FastifyInstance, options: TokenRouteOptions): Promise<void> {
  const { gate } = options;
  const app = typed(parent);
  installSchemaValidation(app);
  app.setErrorHandler(invalidRequest);
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

  app.get(
    '/service/token',
    { schema: { querystring: TokenQuery, response: { 200: Token } } },
    async (request, reply) => {
      try {
        const header = request.headers.authorization;
        let principal: Principal = ANONYMOUS;
        if (header) {
          const basic = parseBasic(header);
          if (!basic) return refuse(reply, new RegistryError('UNAUTHORIZED', 'use Basic credentials'));
          principal = await gate.login(request.raw, basic.username, basic.password);
        }
        return await issue(request.raw, reply, principal, request.query.scope ?? []);
      } catch (err) {
        return fail(reply, err);
      }
    },
  );

  app.post(
    '/service/token',
    { schema: { body: TokenForm, response: { 200: Token, 400: OAuthError } } },
    async (request, reply) => {
      const body = request.body;
      if (body.grant_type !== 'password')
        return reply
          .status(400)
          .send({ error: 'unsupported_grant_type', error_description: 'use grant_type=password' });
      try {
        const principal = await gate.login(request.raw, body.username ?? '', body.password ?? '');
        return await issue(request.raw, reply, principal, body.scope ? [body.scope] : []);
      } catch (err) {
        return fail(reply, err);
      }
    },
  );
}

/** A refusal in OCI's shape, status and code from the one error table. */
function refuse(reply: FastifyReply, err: RegistryError) {
  const { status, code } = ociError(err.code);
  return reply.status(status).type('application/json').send(ociErrorBody(code, err.message));
}
