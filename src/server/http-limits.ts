/**
 * Timeouts of the HTTP listener, and a shutdown that ends in bounded time.
 *
 * - headers: a client gets `server.headers_timeout` seconds to send a
 *   request's headers (408 after), so a slowloris cannot hold connections;
 * - idle: a connection on which no byte moves for `server.idle_timeout`
 *   seconds (an upload whose client stopped sending, a download nobody reads)
 *   is closed; an idle-read bound rather than a total one, so a large layer on
 *   a slow but moving link is never cut off;
 * - request: `server.request_timeout` bounds one request in total, generously.
 * Each cut is one log line naming the client and the limit.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyServerOptions } from 'fastify';
import type { ServerConfig } from './config.ts';
import type { Connections } from './connections.ts';

interface LimitLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Fastify's options for the limits above. */
export function listenerOptions(server: ServerConfig['server']): Partial<FastifyServerOptions> {
  const headersMs = server.headers_timeout * 1000;
  return {
    connectionTimeout: server.idle_timeout * 1000,
    requestTimeout: server.request_timeout * 1000,
    keepAliveTimeout: Math.min(65_000, server.idle_timeout * 1000),
    // Node checks the headers and request deadlines on this interval; a short one makes them exact enough.
    http: { headersTimeout: headersMs, connectionsCheckingInterval: Math.min(5_000, Math.max(250, headersMs / 4)) },
  } as Partial<FastifyServerOptions>;
}

/** Logs each cut, and closes idle connections (Node leaves that to a 'timeout' listener once there is one). */
export function watchLimits(listener: Server, server: ServerConfig['server'], log: LimitLog): void {
  listener.on('timeout', (socket: Socket) => {
    const request = (socket as Socket & { parser?: { incoming?: IncomingMessage } }).parser?.incoming;
    log.warn(
      {
        remote: socket.remoteAddress,
        ...(request ? { method: request.method, path: request.url?.split('?')[0] } : {}),
        idle_timeout: server.idle_timeout,
      },
      `closing a connection: no bytes moved for ${server.idle_timeout} s`,
    );
    socket.destroy();
  });
  listener.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT')
      log.warn(
        {
          remote: socket.remoteAddress,
          headers_timeout: server.headers_timeout,
          request_timeout: server.request_timeout,
        },
        'request timed out: headers or body not received in time (408)',
      );
  });
}

/** How often a stopping server closes the connections whose last request has ended. */
const IDLE_SWEEP_MS = 100;
/** A stop that waits says for what after this long, then this often. */
const WAITING_FIRST_MS = 1_000;
const WAITING_EVERY_MS = 5_000;

/** One log line: what a stop waits for (a slow pull or push, usually), and when it stops waiting. */
function logWaiting(connections: Connections, seconds: number, started: number, log: LimitLog): void {
  const { requests, http2Sessions } = connections.inFlight();
  if (requests.length === 0 && http2Sessions === 0) return;
  const what = [
    ...(requests.length ? [`${requests.length} request${requests.length === 1 ? '' : 's'} in flight`] : []),
    ...(http2Sessions ? [`${http2Sessions} HTTP/2 connection${http2Sessions === 1 ? '' : 's'}`] : []),
  ].join(' and ');
  log.info(
    {
      requests: requests.slice(0, 3).map((r) => `${r.method} ${r.path}`),
      ...(http2Sessions ? { http2_sessions: http2Sessions } : {}),
      closing_in: Math.max(0, Math.round(seconds - (Date.now() - started) / 1000)),
    },
    `stopping: waiting for ${what}`,
  );
}

/**
 * Closes `close()` within `seconds`: requests in flight get that long to
 * finish; then their connections are closed (an upload cut there keeps its
 * confirmed bytes and can be resumed), and the rest of the close is awaited
 * a little longer before giving up.
 */
export async function closeWithin(
  connections: Connections,
  close: () => Promise<void>,
  seconds: number,
  log: LimitLog,
): Promise<'clean' | 'forced' | 'abandoned'> {
  const closing = close().then(
    () => 'done' as const,
    (err) => {
      log.warn({ err }, 'error while shutting down');
      return 'done' as const;
    },
  );
  const wait = (ms: number) => new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), ms).unref());
  // The server's close drops the HTTP/1 connections idle at that moment, once. A response in flight then
  // had promised keep-alive: its connection turns idle when it ends and would hold the close until the
  // keep-alive timeout; swept here as it does (HTTP/2 sessions are told to go away at the first sweep).
  connections.closeIdle();
  const sweep = setInterval(() => connections.closeIdle(), IDLE_SWEEP_MS);
  sweep.unref();
  const started = Date.now();
  let tell: NodeJS.Timeout | undefined;
  const tellFirst = setTimeout(() => {
    logWaiting(connections, seconds, started, log);
    tell = setInterval(() => logWaiting(connections, seconds, started, log), WAITING_EVERY_MS);
    tell.unref();
  }, WAITING_FIRST_MS);
  tellFirst.unref();
  try {
    if ((await Promise.race([closing, wait(seconds * 1000)])) === 'done') return 'clean';
  } finally {
    clearInterval(sweep);
    clearTimeout(tellFirst);
    clearInterval(tell);
  }
  log.warn(
    { shutdown_timeout: seconds },
    'requests still in flight at the shutdown timeout: closing their connections',
  );
  connections.closeAll();
  if ((await Promise.race([closing, wait(5_000)])) === 'done') return 'forced';
  log.warn({}, 'shutdown did not complete; exiting anyway');
  return 'abandoned';
}
