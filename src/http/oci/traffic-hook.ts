/**
 * Counts manifest pushes (PUT answered 201) and pulls (GET answered 200, by
 * tag or digest; HEAD is not a pull) for the traffic statistics and the
 * repositories' pull counts. A cheap check of the URL, then a listener on the
 * response; nothing is awaited on the request path.
 */
import type { FastifyInstance } from 'fastify';
import { ociRouteOf } from './paths.ts';

export interface TrafficCounter {
  push(): void;
  /** `digest`: the manifest served (its Docker-Content-Digest), when known. */
  pull(repository: string, digest?: string): void;
}

export function countManifestTraffic(app: FastifyInstance, counter: TrafficCounter): void {
  app.addHook('onRequest', (request, reply, done) => {
    const method = request.raw.method;
    const url = request.raw.url ?? '';
    if ((method === 'GET' || method === 'PUT') && url.startsWith('/v2/') && url.includes('/manifests/')) {
      const route = ociRouteOf(request.raw);
      if (route?.kind === 'manifest') {
        const res = reply.raw;
        res.once('finish', () => {
          if (method === 'GET' && res.statusCode === 200) {
            const digest = res.getHeader('docker-content-digest');
            counter.pull(route.name, typeof digest === 'string' ? digest : undefined);
          } else if (method === 'PUT' && res.statusCode === 201) counter.push();
        });
      }
    }
    done();
  });
}
