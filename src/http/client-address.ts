/**
 * The address a request really comes from. Behind a reverse proxy every
 * connection comes from the proxy; its X-Forwarded-For names the client,
 * but that header is believed only from the proxies the operator lists
 * (`server.trusted_proxies` / BERTH_TRUSTED_PROXIES): anyone else could write
 * any address there. The chain is read from the right, each hop that is a
 * trusted proxy giving way to the address it says it received from; the
 * first untrusted hop is the client.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { AddressSet } from '../core/outbound.ts';

const resolved = new WeakMap<IncomingMessage, string>();

export function clientAddressVia(
  trusted: AddressSet,
  socketAddress: string,
  forwardedFor: string | string[] | undefined,
): string {
  let client = socketAddress;
  if (trusted.empty || !forwardedFor) return client;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  while (trusted.has(client) && hops.length > 0) client = normalise(hops.pop() as string);
  return client;
}

/** `[::1]:5000` / `1.2.3.4:5000` as written by some proxies: the address alone. */
function normalise(hop: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return bracketed[1];
  const v4port = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(hop);
  return v4port ? v4port[1] : hop.slice(0, 100);
}

/** Resolves each request's client address once, on arrival. */
export function trustProxies(app: FastifyInstance, proxies: string): void {
  const trusted = AddressSet.parse(proxies.split(','));
  if (trusted.empty) return;
  app.addHook('onRequest', (request, _reply, done) => {
    const req = request.raw;
    resolved.set(req, clientAddressVia(trusted, req.socket.remoteAddress ?? 'unknown', req.headers['x-forwarded-for']));
    done();
  });
}

export function clientAddress(req: IncomingMessage): string {
  return resolved.get(req) ?? req.socket.remoteAddress ?? 'unknown';
}
