/**
 * Console sign-in: `POST /c/login` (JSON `{username, password}` or Harbor's
 * form `principal=…&password=…`) opens a server session and sets its cookies;
 * `POST /c/log_out` ends it; `GET /c/session` says who is signed in (and
 * hands the console its CSRF token again after a reload).
 */

import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

const error = (reply: FastifyReply, status: number, code: string, message: string) =>
  reply.status(status).header('cache-control', 'no-store').send(apiErrorBody(code, message));

export async function sessionRoutes(app: FastifyInstance, options: SessionRouteOptions): Promise<void> {
  const { gate, sessions } = options;
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 65536 },
      (_r, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
  }

  app.post('/c/login', async (request: FastifyRequest, reply) => {
    if (!gate) return error(reply, 404, 'NOT_FOUND', 'authentication is off: there is nothing to sign in to');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const username = typeof body.username === 'string' ? body.username : body.principal;
    const password = body.password;
    if (typeof username !== 'string' || typeof password !== 'string' || !username || !password)
      return error(reply, 400, 'BAD_REQUEST', 'username and password are required');
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

  app.post('/c/log_out', async (request, reply) => {
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
  app.get('/c/session', async (request, reply) => {
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
