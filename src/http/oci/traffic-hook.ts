/**
 * Counts manifest pushes (PUT answered 201) for the traffic statistics. Pulls
 * are counted from the registry's `manifest.pulled` event (the manifest GET
 * handler sends it after answering), so a GET pays for no listener here. A
 * cheap check of the URL, then a listener on the response; nothing is awaited
 * on the request path.
 */
import type { FastifyInstance } from 'fastify';
import { ociRouteOf } from './paths.ts';

export interface TrafficCounter {
  push(): void;
}

export function countManifestTraffic(app: FastifyInstance, counter: TrafficCounter): void {
  app.addHook('onRequest', (request, reply, done) => {
    const url = request.raw.url ?? '';
    if (request.raw.method === 'PUT' && url.startsWith('/v2/') && url.includes('/manifests/')) {
      if (ociRouteOf(request.raw)?.kind === 'manifest') {
        const res = reply.raw;
        res.once('finish', () => {
          if (res.statusCode === 201) counter.push();
        });
      }
    }
    done();
  });
}
