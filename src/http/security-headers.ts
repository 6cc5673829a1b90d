/**
 * Security headers on every answer, console and APIs alike (helmet's choice of
 * headers): a content security policy that lets the console load only its own
 * scripts, no framing, no MIME sniffing, no referrer leaks.
 * `upgrade-insecure-requests` is left out: a plain-HTTP deployment (a laptop, a
 * test bed) would otherwise ask the browser for assets over HTTPS that nobody
 * serves.
 *
 * The headers are worked out once at start: @fastify/helmet rebuilt helmet's
 * middleware (parsing the policy) on every request, ~8% of a manifest GET's
 * CPU (bench/FINDINGS.md, "Session 9: the manifest hot path").
 */
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

const policy = helmet({
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

/** The header pairs helmet's middleware sets, recorded by running it once against a stand-in response. */
export function securityHeaderPairs(): ReadonlyArray<readonly [string, string]> {
  const pairs: Array<[string, string]> = [];
  const recorder = {
    setHeader: (name: string, value: string) => pairs.push([name, String(value)]),
    removeHeader: () => {},
  };
  policy({} as never, recorder as never, (err?: unknown) => {
    if (err) throw err;
  });
  return pairs;
}

/**
 * The registry API's (/v2) headers: blobs are user content, so no sniffing, no rendering as a page that could run
 * anything (an empty, sandboxed policy), no framing, HTTPS only, same-origin reads. The document-only headers
 * (opener policy, DNS prefetch, referrer, …) are left to the console's answers: registry clients are not browsers,
 * and each header is CPU on every blob and manifest request (bench/FINDINGS.md, "Session 9").
 */
export function registryHeaderPairs(): ReadonlyArray<readonly [string, string]> {
  const kept = new Set([
    'x-content-type-options',
    'x-frame-options',
    'strict-transport-security',
    'cross-origin-resource-policy',
  ]);
  return [
    ...securityHeaderPairs().filter(([name]) => kept.has(name.toLowerCase())),
    ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'; sandbox"],
  ];
}

export async function securityHeaders(app: FastifyInstance): Promise<void> {
  const pairs = securityHeaderPairs();
  const registryPairs = registryHeaderPairs();
  app.addHook('onRequest', (request, reply, done) => {
    const res = reply.raw;
    for (const [name, value] of request.raw.url?.startsWith('/v2') ? registryPairs : pairs) res.setHeader(name, value);
    done();
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
