/**
 * Audits registry operations once their response is sent: manifest pulls
 * (GET), pushes (PUT) and deletions (manifests and blobs), with who, what,
 * when and from which address. Refused attempts by known callers (403) are
 * kept too, as failures; 401s are the normal login dance and are not.
 */
import type { FastifyInstance } from 'fastify';
import { principalName } from '../../core/access/principal.ts';
import { projectOf } from '../../core/names.ts';
import { ociRouteOf } from '../oci/paths.ts';
import { clientAddress, type Gate } from './gate.ts';

const OPERATIONS: Record<string, string> = { GET: 'pull', PUT: 'push', DELETE: 'delete' };

export function registryAudit(app: FastifyInstance, gate: Gate): void {
  app.addHook('onRequest', (request, reply, done) => {
    const req = request.raw;
    const url = req.url ?? '';
    const operation = OPERATIONS[req.method ?? ''];
    if (!operation || !url.startsWith('/v2/')) return done();
    const route = ociRouteOf(req);
    if (!route) return done();
    let resource: string;
    if (route.kind === 'manifest') {
      resource = `${route.name}${route.reference.includes(':') ? '@' : ':'}${route.reference}`;
    } else if (route.kind === 'blob' && operation === 'delete') {
      resource = `${route.name}@${route.digest}`;
    } else {
      return done();
    }
    reply.raw.once('finish', () => {
      const status = reply.raw.statusCode;
      const ok = status >= 200 && status < 300;
      if (!ok && status !== 403) return;
      void (async () => {
        const who = await gate.known(req)?.catch(() => undefined);
        await gate.access.audit({
          username: who ? principalName(who.principal) : 'anonymous',
          resource,
          resourceType: 'artifact',
          operation,
          result: ok ? 'success' : 'failure',
          project: projectOf(route.name),
          address: clientAddress(req),
        });
      })();
    });
    done();
  });
}
