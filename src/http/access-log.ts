/**
 * The access log as an onRequest hook: one JSON line per request (method,
 * path, status, bytes, duration) and the request metrics, for every route of
 * the app it is installed on. `accessLog(app, line, metrics)` in the wiring,
 * `line` writing one info line (the logger's, or `infoLines` in `serve`).
 */
import type { FastifyInstance } from 'fastify';
import type { RequestMetrics } from './metrics.ts';
import { ociRouteOf } from './oci/paths.ts';

/** Writes one access line at info level. */
export type AccessLine = (fields: Record<string, string | number | boolean>) => void;

/** One JSON line per request (method, path, status, bytes, duration), and the request metrics. */
export function accessLog(app: FastifyInstance, line: AccessLine, metrics: RequestMetrics): void {
  app.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    const res = reply.raw;
    // Bytes sent on the connection for this response, headers included, counted from when the response gets the
    // connection: one that waits behind an unfinished response on the same connection gets it only then.
    let socket = res.socket;
    let writtenBefore = socket?.bytesWritten ?? 0;
    if (!socket) {
      res.once('socket', (assigned) => {
        socket = assigned;
        writtenBefore = assigned.bytesWritten;
      });
    }
    const sent = () => (socket ? socket.bytesWritten - writtenBefore : 0);
    let bytes = -1;
    // Ahead of Node's own 'finish' handler, which hands the connection to the next waiting response and flushes it.
    res.prependOnceListener('finish', () => {
      bytes = sent();
    });
    res.once('close', () => {
      const url = request.raw.url ?? '';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      if (bytes < 0) bytes = sent(); // aborted: no 'finish'
      const method = request.raw.method ?? '';
      const ms = performance.now() - started;
      recordAnswer(
        line,
        metrics,
        { method, path, status: res.statusCode, bytes, ms, aborted: !res.writableFinished },
        request.raw,
      );
    });
    done();
  });
}

/** One answered request: its metric and its access line (`req`: the request, whose parsed /v2 route is kept). */
export function recordAnswer(
  line: AccessLine,
  metrics: RequestMetrics,
  answer: { method: string; path: string; status: number; bytes: number; ms: number; aborted?: boolean },
  req: { url?: string } = { url: answer.path },
): void {
  const { method, path, status, bytes, ms } = answer;
  metrics.record(method, routeOf(req, path), status, bytes, ms / 1000);
  const fields = { method, path, status, bytes, ms: Math.round(ms * 100) / 100 };
  if (!answer.aborted) line(fields);
  else line({ ...fields, aborted: true, msg: 'aborted: the client disconnected before the answer was complete' });
}

/** A low-cardinality name for a path: the /v2 resource kind, or the API area. */
function routeOf(req: { url?: string }, path: string): string {
  if (path.startsWith('/v2/')) return `v2:${ociRouteOf(req)?.kind ?? 'unknown'}`;
  if (path.startsWith('/api/')) return 'api';
  if (path === '/metrics') return 'metrics';
  return 'other';
}
