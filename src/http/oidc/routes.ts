/**
 * OIDC login for the console and the CLI: /c/oidc/login sends the browser to
 * the provider; /c/oidc/callback onboards the user and answers with a
 * management API session token (as JSON, or for a browser as a redirect to
 * the console's /login#token=…). State, nonce and the PKCE verifier travel in
 * a signed, short-lived cookie, so any node of a cluster can take the callback.
 */

import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import {
  newLoginState,
  OidcConflict,
  type OidcLoginState,
  type OidcProvider,
  onboardOidc,
} from '../../core/access/oidc.ts';
import type { SessionService } from '../../features/sessions/service.ts';
import { clientAddress, type Gate } from '../access/gate.ts';
import { sessionCookies } from '../api/sessions/routes.ts';
import { apiErrorBody } from '../shared/error-table.ts';
import { ErrorsBody, NoBody } from '../shared/schemas.ts';
import { installSchemaValidation, validationProblem } from '../shared/validation.ts';

/** The start of a login takes nothing and sends the browser to the provider. */
const LOGIN = { response: { 302: NoBody } } as const;

/**
 * The provider's answer (OpenID Connect core 3.1.2.5/3.1.2.6): a code and our state, or an error.
 * Providers add their own parameters (`iss`, `session_state`), so others are allowed; the whole
 * query string is handed to the OIDC client, which checks state, issuer and code.
 */
const CALLBACK = {
  querystring: Type.Object(
    {
      code: Type.Optional(Type.String({ maxLength: 4096 })),
      state: Type.Optional(Type.String({ maxLength: 1024 })),
      error: Type.Optional(Type.String({ maxLength: 256 })),
      error_description: Type.Optional(Type.String({ maxLength: 4096 })),
    },
    { additionalProperties: true },
  ),
  response: {
    200: Type.Object({
      username: Type.String(),
      user_id: Type.Integer(),
      token: Type.String(),
      expires_in: Type.Integer(),
    }),
    303: NoBody,
    400: ErrorsBody,
    401: ErrorsBody,
    409: ErrorsBody,
  },
} as const;

export interface OidcRouteOptions {
  gate: Gate;
  provider: OidcProvider;
  /** The callback URL registered at the provider. */
  redirectUri: string;
  sessionTtlSeconds?: number;
  /** Console sessions: a browser finishing the login gets one (cookie), not a token in the address. */
  sessions?: SessionService;
}

const COOKIE = 'berth_oidc';

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

export async function oidcRoutes(app: FastifyInstance, options: OidcRouteOptions): Promise<void> {
  const { gate, provider } = options;
  const secure = options.redirectUri.startsWith('https:') ? '; Secure' : '';
  const refuse = (reply: FastifyReply, status: number, message: string) =>
    reply
      .header('set-cookie', `${COOKIE}=; Path=/c/oidc; HttpOnly; SameSite=Lax; Max-Age=0${secure}`)
      .status(status)
      .send(apiErrorBody(status === 401 ? 'UNAUTHORIZED' : 'CONFLICT', message));

  // Bad input is a 400 naming the parameter, in Harbor's shape (as the console's sign-in answers).
  installSchemaValidation(app);
  app.setErrorHandler((err: FastifyError, _request, reply) => {
    const problem = validationProblem(err);
    if (!problem) throw err;
    return reply.status(400).send(apiErrorBody('BAD_REQUEST', problem.message, problem.field || undefined));
  });

  app.get('/c/oidc/login', { schema: LOGIN }, async (_request, reply) => {
    const login = newLoginState();
    const sealed = await gate.tokens.seal({ ...login }, 600);
    const target = await provider.authorizationUrl(login);
    return reply
      .header('set-cookie', `${COOKIE}=${sealed}; Path=/c/oidc; HttpOnly; SameSite=Lax; Max-Age=600${secure}`)
      .header('cache-control', 'no-store')
      .redirect(target, 302);
  });

  app.get('/c/oidc/callback', { schema: CALLBACK }, async (request, reply) => {
    let login: OidcLoginState;
    try {
      const sealed = await gate.tokens.unseal(cookie(request.headers.cookie, COOKIE) ?? '');
      login = { state: String(sealed.state), nonce: String(sealed.nonce), codeVerifier: String(sealed.codeVerifier) };
    } catch {
      return refuse(reply, 401, 'the login expired or did not start here: start again at /c/oidc/login');
    }
    const q = request.url.indexOf('?');
    const callbackUrl = `${options.redirectUri}${q === -1 ? '' : request.url.slice(q)}`;
    const address = clientAddress(request.raw);
    try {
      const identity = await provider.callback(callbackUrl, login);
      const user = await onboardOidc(gate.access.store, identity);
      const session = await gate.tokens.issueSession(user.username, user.id, options.sessionTtlSeconds ?? 3600);
      await gate.access.audit({
        username: user.username,
        resource: user.username,
        resourceType: 'user',
        operation: 'login',
        result: 'success',
        project: null,
        address,
      });
      reply
        .header('set-cookie', `${COOKIE}=; Path=/c/oidc; HttpOnly; SameSite=Lax; Max-Age=0${secure}`)
        .header('cache-control', 'no-store');
      // A browser gets a console session (HttpOnly cookie) and goes on to the console;
      // other clients get an API session token as JSON.
      if (request.headers.accept?.includes('text/html') && options.sessions) {
        const opened = await options.sessions.open({ id: user.id, username: user.username });
        reply.removeHeader('set-cookie');
        reply.header('set-cookie', [
          `${COOKIE}=; Path=/c/oidc; HttpOnly; SameSite=Lax; Max-Age=0${secure}`,
          ...sessionCookies(request.raw, opened.id, opened.csrfToken, options.sessions.ttlSeconds),
        ]);
        return reply.redirect('/', 303);
      }
      if (request.headers.accept?.includes('text/html')) {
        const fragment = new URLSearchParams({ token: session.token, username: user.username });
        return reply.redirect(`/login#${fragment}`, 303);
      }
      return reply.send({
        username: user.username,
        user_id: user.id,
        token: session.token,
        expires_in: session.expiresIn,
      });
    } catch (err) {
      if (err instanceof OidcConflict) return refuse(reply, 409, err.message);
      await gate.access.audit({
        username: 'anonymous',
        resource: 'oidc',
        resourceType: 'user',
        operation: 'login',
        result: 'failure',
        project: null,
        address,
      });
      return refuse(reply, 401, `OIDC login failed: ${(err as Error).message}`);
    }
  });
}
