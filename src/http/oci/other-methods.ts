/**
 * Every method the /v2 API has no handler for (OPTIONS, TRACE, …) on a /v2
 * path is the registry's to refuse, with the OCI error body: `UNSUPPORTED`
 * 405 where the path names a resource, 404 where it names nothing. Without
 * these routes such a request fell through to the management API's
 * instance, which was then built only to answer a 404 in its own shape.
 */
import type { FastifyInstance } from 'fastify';
import { RegistryError } from '../../core/errors.ts';
import { ociRouteOf } from './paths.ts';
import { sendError } from './respond.ts';

/** The methods `ociPlugin` routes itself. */
const HANDLED = new Set(['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE']);

export async function ociOtherMethods(app: FastifyInstance): Promise<void> {
  const methods = app.supportedMethods.filter((m) => !HANDLED.has(m));
  // No body is read: the answer does not depend on it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
  app.route({
    method: methods,
    url: '/v2/*',
    exposeHeadRoute: false,
    handler: (request, reply) => {
      reply.hijack();
      const route = ociRouteOf(request.raw);
      const url = request.raw.url ?? '';
      const q = url.indexOf('?');
      const path = url.slice('/v2/'.length, q === -1 ? undefined : q);
      const err = route
        ? new RegistryError('METHOD_UNSUPPORTED', `${request.raw.method} is not supported here`)
        : new RegistryError('ENDPOINT_UNKNOWN', 'no such /v2 endpoint', { path });
      sendError(reply.raw, err, () => undefined);
    },
  });
  // `/v2` itself: the /v2 API redirects the methods it knows; the others are refused the same way.
  app.route({
    method: methods,
    url: '/v2',
    exposeHeadRoute: false,
    handler: (request, reply) => {
      reply.hijack();
      sendError(
        reply.raw,
        new RegistryError('METHOD_UNSUPPORTED', `${request.raw.method} is not supported here`),
        () => undefined,
      );
    },
  });
}
