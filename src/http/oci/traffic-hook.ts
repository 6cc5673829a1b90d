/**
 * Counts manifest pushes (PUT answered 201) and pulls (GET answered 200) for
 * the traffic statistics. A cheap check of the URL, then a listener on the
 * response; nothing is awaited on the request path.
 */
import type { FastifyInstance } from 'fastify';
import { ociRouteOf } from './paths.ts';

export interface TrafficCounter {
  push(): void;
  pull(): void;
}

export function countManifestTraffic(app: FastifyInstance, counter: TrafficCounter): void {
  app.addHook('onRequest', (request, reply, done) => {
    const method = request.raw.method;
    const url = request.raw.url ?? '';
    if ((method === 'GET' || method === 'PUT') && url.startsWith('/v2/') && url.includes('/manifests/')) {
      if (ociRouteOf(request.raw)?.kind === 'manifest') {
        const res = reply.raw;
        res.once('finish', () => {
          if (method === 'GET' && res.statusCode === 200) counter.pull();
          else if (method === 'PUT' && res.statusCode === 201) counter.push();
        });
      }
    }
    done();
  });
}
