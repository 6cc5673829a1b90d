/**
 * A second Fastify instance built at the first request it must answer, and
 * the catch-all route of the first instance that hands it those requests.
 *
 * Registering the management API's ~400 routes (and loading their modules
 * and TypeBox schemas) was the largest part of start-up left after the
 * schemas were made lazy (bench/FINDINGS.md, "Session 8"); a registry
 * client's first request (`/v2/`, a token, a probe) needs none of it. The
 * first instance keeps the listener, the hooks every request goes through
 * (access log and metrics, limits, security headers, client address) and
 * the registry's routes; whatever it has no route for is passed, untouched
 * (body unread), to the second one, whose own routes, error handlers and
 * not-found answer (the console) then decide, as in one instance before.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { apiErrorBody } from '../http/api/errors.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface LazyInstance {
  /** The instance, built (once) on the first call. */
  get(): Promise<FastifyInstance>;
  /** Whether it has been asked for yet. */
  started(): boolean;
  close(): Promise<void>;
}

/** `mount` adds the routes; `options` are Fastify's (the server it would create is never used). */
export function lazyInstance(
  options: FastifyServerOptions,
  mount: (app: FastifyInstance) => Promise<void>,
): LazyInstance & { handler(): Promise<Handler> } {
  let building: Promise<{ app: FastifyInstance; handler: Handler }> | null = null;
  let closed = false;
  const build = async () => {
    let handler: Handler | null = null;
    const app = Fastify({
      ...options,
      // Fastify hands its request handler to the factory: kept, and called by the first instance's catch-all.
      serverFactory: (h: Handler) => {
        handler = h;
        return createServer();
      },
    } as object) as unknown as FastifyInstance;
    await mount(app);
    await app.ready();
    if (!handler) throw new Error('Fastify did not hand over its request handler');
    return { app, handler };
  };
  const get = () => {
    if (closed) return Promise.reject(new Error('the server is closing'));
    building ??= build();
    // A failed build is tried again by the next request rather than remembered.
    building.catch(() => {
      building = null;
    });
    return building;
  };
  return {
    get: async () => (await get()).app,
    handler: async () => (await get()).handler,
    started: () => building !== null,
    async close() {
      closed = true;
      const pending = building;
      if (!pending) return;
      const built = await pending.catch(() => null);
      await built?.app.close();
    },
  };
}

/**
 * Every path `app` has no route for goes to `other`, request and response
 * as they are: the body is left unread (no content-type parser runs here),
 * so the second instance parses it with its own parsers and limits.
 */
export async function forwardUnmatched(
  app: FastifyInstance,
  other: { handler(): Promise<Handler> },
  onError: (err: unknown) => void,
): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    scope.all('/*', (request, reply) => {
      reply.hijack();
      other.handler().then(
        (handler) => handler(request.raw, reply.raw),
        (err) => {
          onError(err);
          const res = reply.raw;
          if (res.headersSent) return res.destroy();
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify(apiErrorBody('INTERNAL_SERVER_ERROR', 'the management API could not be loaded')));
        },
      );
    });
  });
}
