/**
 * Security headers on every answer, console and APIs alike (@fastify/helmet):
 * a content security policy that lets the console load only its own scripts,
 * no framing, no MIME sniffing, no referrer leaks. `upgrade-insecure-requests`
 * is left out: a plain-HTTP deployment (a laptop, a test bed) would otherwise
 * ask the browser for assets over HTTPS that nobody serves.
 */
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

export async function securityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: true,
      directives: { 'upgrade-insecure-requests': null, 'frame-ancestors': ["'none'"] },
    },
    frameguard: { action: 'deny' },
    // Only this host: an operator's other subdomains may still be served over plain HTTP.
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
    referrerPolicy: { policy: 'no-referrer' },
    // Registry clients fetch blobs cross-origin only outside browsers; the console is same-origin.
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
}

/** Errors that only mean the client went away (closed the connection, cancelled). */
export function isClientDisconnect(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return (
    ['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'ABORT_ERR', 'ERR_STREAM_DESTROYED'].includes(
      e?.code ?? '',
    ) || /^(aborted|request aborted|premature close)$/i.test(e?.message ?? '')
  );
}
