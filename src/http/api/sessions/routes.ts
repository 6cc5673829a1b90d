/**
 * Console sign-in: `POST /c/login` (JSON `{username, password}` or Harbor's
 * form `principal=…&password=…`) opens a server session and sets its cookies;
 * `POST /c/log_out` ends it; `GET /c/session` says who is signed in (and
 * hands the console its CSRF token again after a reload).
 */

import type { IncomingMessage } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { principalName } from '../../../core/access/principal.ts';
import { RegistryError } from '../../../core/errors.ts';
import {
  CSRF_COOKIE,
  CSRF_HEADER,
  cookieValue,
  SESSION_COOKIE,
  type SessionService,
} from '../../../features/sessions/service.ts';
import { clientAddress, type Gate } from '../../access/gate.ts';
import { apiErrorBody } from '../../shared/error-table.ts';
import { ErrorsBody, typed } from '../../shared/schemas.ts';
import { installSchemaValidation, validationProblem } from '../../shared/validation.ts';

export interface SessionRouteOptions {
  /** Absent: authentication is off (the console is open; /c/session says so). */
  gate: Gate | null;
  sessions: SessionService;
  /** Whether an OIDC login is configured (the console shows its button without probing for it). */
  oidc: boolean;
}

/** Secure when the request came over TLS, directly or through a proxy that says so. */
function isSecure(req: IncomingMessage): boolean {
  return Boolean((req.socket as { encrypted?: boolean }).encrypted) || req.headers['x-forwarded-proto'] === 'https';
}

export function sessionCookies(req: IncomingMessage, id: string, csrf: string, maxAge: number): string[] {
  const secure = isSecure(req) ? '; Secure' : '';
  return [
    `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`,
    // Readable by the console (it echoes it as X-CSRF-Token); useless without the HttpOnly session cookie.
    `${CSRF_COOKIE}=${csrf}; Path=/; SameSite=Strict; Max-Age=${maxAge}${secure}`,
  ];
}

const error = (reply: FastifyReply, status: number, code: string, message: string, field?: string) =>
  reply
    .status(status)
    .header('cache-control', 'no-store')
    .send(apiErrorBody(code, message, field));

/** JSON `{username, password}`, or Harbor's sign-in form `principal=…&password=…`. */
const LoginBody = Type.Object(
  {
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    principal: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: "Harbor's form name of username" }),
    ),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { anyOf: [{ required: ['username'] }, { required: ['principal'] }] },
);
const Opened = Type.Object({ username: Type.String(), csrf_token: Type.String(), expires_at: Type.String() });
const Csrf = Type.Object({ [CSRF_HEADER]: Type.Optional(Type.String({ maxLength: 256 })) });
const Session = Type.Object({
  auth: Type.String({ description: 'on, or off (everyone is administrator)' }),
  oidc: Type.Boolean(),
  signed_in: Type.Boolean(),
  username: Type.Optional(Type.String()),
  csrf_token: Type.Optional(Type.String()),
  expires_at: Type.Optional(Type.String()),
});
const refused = { 400: ErrorsBody, 401: ErrorsBody, 403: ErrorsBody, 404: ErrorsBody, 429: ErrorsBody };

export async function sessionRoutes(parent: FastifyInstance, options: SessionRouteOptions): Promise<void> {
  const { gate, sessions } = options;
  const app = typed(parent);
  // Bad input is a 400 naming the field, in Harbor's shape (the console reads it as it reads the API's).
  installSchemaValidation(app);
  app.setErrorHandler((err: FastifyError, _request, reply) => {
    const problem = validationProblem(err);
    if (!problem) throw err;
    return error(reply, 400, 'BAD_REQUEST', problem.message, problem.field || undefined);
  });
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 65536 },
      (_r, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
  }

  const login = { body: LoginBody, response: { 200: Opened, ...refused } };
  app.post('/c/login', { schema: login }, async (request, reply) => {
    if (!gate) return error(reply, 404, 'NOT_FOUND', 'authentication is off: there is nothing to sign in to');
    const { username = request.body.principal ?? '', password } = request.body;
    let principal: Awaited<ReturnType<Gate['login']>>;
    try {
      principal = await gate.login(request.raw, username, password);
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'TOOMANYREQUESTS') {
        reply.header('retry-after', err.headers?.['retry-after'] ?? '60');
        return error(reply, 429, 'TOO_MANY_REQUESTS', err.message);
      }
      // The console shows this text: say what is wrong, as Harbor does.
      if (err instanceof RegistryError && err.code === 'UNAUTHORIZED')
        return error(reply, 401, 'UNAUTHORIZED', 'invalid username or password');
      throw err;
    }
    if (principal.kind === 'anonymous') return error(reply, 401, 'UNAUTHORIZED', 'invalid username or password');
    const opened = await sessions.open({ id: principal.id, username: principal.name });
    await gate.access.audit({
      username: principalName(principal),
      resource: principalName(principal),
      resourceType: 'user',
      operation: 'login',
      result: 'success',
      project: null,
      address: clientAddress(request.raw),
    });
    return reply
      .header('set-cookie', sessionCookies(request.raw, opened.id, opened.csrfToken, sessions.ttlSeconds))
      .header('cache-control', 'no-store')
      .send({ username: principal.name, csrf_token: opened.csrfToken, expires_at: opened.expiresAt });
  });

  const logOut = { headers: Csrf, response: { 200: Type.Object({ signed_out: Type.Boolean() }), 403: ErrorsBody } };
  app.post('/c/log_out', { schema: logOut }, async (request, reply) => {
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    const session = await sessions.resolve(id);
    // Logging out is a write: a cross-site page must not be able to end a session either.
    const sent = request.headers[CSRF_HEADER];
    if (session && sent !== session.csrfToken) return error(reply, 403, 'FORBIDDEN', `${CSRF_HEADER} is required`);
    await sessions.end(id);
    // Harbor's shape: a user signed out (resource type user, operation logout).
    if (session && gate)
      await gate.access.audit({
        username: session.username,
        resource: session.username,
        resourceType: 'user',
        operation: 'logout',
        result: 'success',
        project: null,
        address: clientAddress(request.raw),
      });
    return reply
      .header('set-cookie', sessionCookies(request.raw, '', '', 0))
      .header('cache-control', 'no-store')
      .status(200)
      .send({ signed_out: Boolean(session) });
  });

  // Always 200, so a console opened by someone not signed in logs no failed request.
  app.get('/c/session', { schema: { response: { 200: Session } } }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (!gate) return { auth: 'off', oidc: false, signed_in: false };
    const session = await sessions.resolve(cookieValue(request.headers.cookie, SESSION_COOKIE));
    if (!session) return { auth: 'on', oidc: options.oidc, signed_in: false };
    return {
      auth: 'on',
      oidc: options.oidc,
      signed_in: true,
      username: session.username,
      csrf_token: session.csrfToken,
      expires_at: session.expiresAt,
    };
  });
}
