/**
 * The /v2 API as a Fastify plugin: one wildcard route per method, dispatched
 * on the parsed path. Bodies are not parsed by Fastify; handlers stream them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { RegistryError } from '../../core/errors.ts';
import { anonymousCaller, type Caller } from '../../core/hooks.ts';
import type { Registry } from '../../core/registry.ts';
import { ociValidationHandler } from '../shared/validation.ts';
import { blobHandlers } from './blobs.ts';
import { listingHandlers } from './listings.ts';
import { manifestHandlers } from './manifests.ts';
import { type OciRoute, ociRouteOf } from './paths.ts';
import { sendError, sendJson } from './respond.ts';
import { uploadHandlers } from './uploads.ts';

export type Action = 'pull' | 'push' | 'delete';

/** Decides whether a request may act on a repository; throws UNAUTHORIZED/DENIED. */
export interface AccessControl {
  /**
   * Refuses (throws) unless the caller may do `actions`; returns who the caller is.
   * `alsoNeeded` are the other scopes this request will use (a mount's `from`):
   * a 401 challenge names them too, so a token client asks for all at once.
   */
  authorize(
    req: IncomingMessage,
    repository: string | null,
    actions: Action[],
    alsoNeeded?: ScopeNeed[],
  ): Promise<Caller>;
  /** Of `names`, those the caller may see (the catalog). */
  visible?(req: IncomingMessage, names: string[]): Promise<string[]>;
}

/** One `repository:NAME:ACTIONS` scope a request needs. */
export interface ScopeNeed {
  repository: string;
  actions: Action[];
}

export const openAccess: AccessControl = { authorize: async () => anonymousCaller };

export interface OciContext {
  registry: Registry;
  access: AccessControl;
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
}

export type Handler<R extends OciRoute = OciRoute> = (ctx: OciContext, route: R) => Promise<void>;
type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
export type HandlerTable = Partial<Record<OciRoute['kind'], Partial<Record<Method, Handler<never>>>>>;

export interface OciOptions {
  registry: Registry;
  access?: AccessControl;
  onUnexpected?: (err: unknown) => void;
}

const versionCheck: Handler = async (ctx) => {
  await ctx.access.authorize(ctx.req, null, []);
  sendJson(ctx.res, 200, {}); // Node sends no body for HEAD
};

const base: HandlerTable = { base: { GET: versionCheck, HEAD: versionCheck } };

/** Handlers read `ctx.query`, never change it. */
const NO_QUERY = new URLSearchParams();

export async function ociPlugin(app: FastifyInstance, options: OciOptions): Promise<void> {
  const table: HandlerTable = {};
  for (const part of [base, blobHandlers, uploadHandlers, manifestHandlers, listingHandlers]) {
    for (const [kind, methods] of Object.entries(part)) {
      table[kind as OciRoute['kind']] = { ...table[kind as OciRoute['kind']], ...methods };
    }
  }
  const access = options.access ?? openAccess;
  const onUnexpected = options.onUnexpected ?? ((err: unknown) => console.error(err));

  app.setErrorHandler(ociValidationHandler(onUnexpected));
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = url.slice('/v2/'.length, q === -1 ? undefined : q);
    // Most registry requests have no query string: they share one empty, read-only set of parameters.
    const query = q === -1 ? NO_QUERY : new URLSearchParams(url.slice(q + 1));
    try {
      // Percent-encoding is never needed in a valid name, tag or digest: an
      // encoded slash or dot is an attempt to smuggle one past the router.
      if (path.includes('%')) throw new RegistryError('NAME_INVALID', 'invalid repository name or path', { path });
      const route = ociRouteOf(req);
      if (!route) {
        throw new RegistryError('ENDPOINT_UNKNOWN', 'no such /v2 endpoint', { path });
      }
      const handler = table[route.kind]?.[req.method as Method] as Handler | undefined;
      if (!handler) {
        throw new RegistryError('METHOD_UNSUPPORTED', `${req.method} is not supported here`);
      }
      await handler({ registry: options.registry, access, req, res, query }, route);
    } catch (err) {
      sendError(res, err, onUnexpected);
    }
  };

  for (const url of ['/v2', '/v2/', '/v2/*']) {
    app.route({
      method: ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'],
      url,
      exposeHeadRoute: false,
      handler: (request, reply) => {
        reply.hijack();
        if (url === '/v2') {
          reply.raw.writeHead(301, { location: '/v2/', 'content-length': 0 }).end();
          return;
        }
        return handle(request.raw, reply.raw);
      },
    });
  }
}
