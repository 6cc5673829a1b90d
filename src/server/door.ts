/**
 * The port, bound before the app is loaded. `berth serve` binds it as soon as
 * the configuration is read and the folders checked, then loads and wires the
 * registry (~200 ms of module loading on these machines, bench/FINDINGS.md,
 * "Session 14"). Meanwhile the door answers a client's version check
 * (`GET /v2/` without credentials, src/http/oci/version-check.ts: nothing in it
 * needs the registry) and holds every other request at the listener; the app
 * takes them over, in order, with the listener itself (Fastify's
 * `serverFactory`). What the door answered is given to the app's access log
 * and metrics then. Until the hand-over `/readyz` is held too, so a probe
 * never sees a server that is not whole.
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Http2SecureServer, Http2Session } from 'node:http2';
import { answerVersionCheck } from '../http/oci/version-check.ts';
import type { ServerConfig } from './config.ts';
import { type Connections, trackConnections } from './connections.ts';
import { listenerOptions } from './http-limits.ts';
import { PreflightError } from './preflight.ts';
import { readKeyPair } from './tls.ts';

export type Listener = HttpServer | Http2SecureServer;
type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** One answer the door gave: an access log line and a request metric once the app is up. */
export interface EarlyAnswer {
  method: string;
  path: string;
  status: number;
  bytes: number;
  ms: number;
}

export interface Door {
  readonly server: Listener;
  /** The listener's connections from the first one (a stop's sweep closes them). */
  readonly connections: Connections;
  /**
   * From now on every request goes to `handler`, the held ones first, in the
   * order they came; each answer the door gave goes to `account` (those given
   * so far at once, any still being sent when it ends).
   */
  handOver(handler: RequestListener, account: (answer: EarlyAnswer) => void): void;
  /** Starts answering version checks (the ones held so far first): once the folders are checked. */
  open(): void;
  /** How many requests wait for the app. */
  waiting(): number;
}

/** At most this many early answers are kept for the access log: a flood of version checks during a start is not. */
const KEPT_ANSWERS = 10_000;
/** Fastify's default for an idle HTTP/2 session, kept for the listener Berth now makes itself. */
const HTTP2_SESSION_TIMEOUT_MS = 72_000;

/** The listener Fastify would create for this configuration, with the same timeouts (server/http-limits.ts). */
async function createListener(config: ServerConfig): Promise<Listener> {
  const options = listenerOptions(config.server) as {
    connectionTimeout: number;
    requestTimeout: number;
    keepAliveTimeout: number;
    http: object;
  };
  if (config.tls.cert) {
    // With TLS: HTTP/2, HTTP/1.1 for clients that do not offer h2 (ALPN). Loaded only then.
    const { createSecureServer } = await import('node:http2');
    const server = createSecureServer({ allowHTTP1: true, ...readKeyPair(config.tls) });
    server.on('session', (session: Http2Session) =>
      session.setTimeout(HTTP2_SESSION_TIMEOUT_MS, () => session.close()),
    );
    server.setTimeout(options.connectionTimeout);
    return server;
  }
  const server = createServer(options.http);
  server.keepAliveTimeout = options.keepAliveTimeout;
  server.requestTimeout = options.requestTimeout;
  server.setTimeout(options.connectionTimeout);
  return server;
}

/** Listens on host:port; a failure to bind is a PreflightError naming them. */
function bind(server: Listener, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const refused = (err: NodeJS.ErrnoException) =>
      reject(
        new PreflightError(
          err.code === 'EADDRINUSE'
            ? `port ${port} on ${host} is already in use: stop what listens there or choose another port (--port, BERTH_PORT)`
            : `cannot listen on ${host}:${port}: ${err.message}`,
        ),
      );
    server.once('error', refused);
    server.listen({ host, port, exclusive: true }, () => {
      // Bound: a later error of the listener is not a failure to bind, and must not be taken for one.
      server.off('error', refused);
      resolve();
    });
  });
}

/** Binds the configured port: requests wait there for the app, version checks only until `open()`. */
export async function openDoor(config: ServerConfig): Promise<Door> {
  const server = await createListener(config);
  if (config.limits.max_connections > 0) server.maxConnections = config.limits.max_connections;
  const held: [IncomingMessage, ServerResponse][] = [];
  const answers: EarlyAnswer[] = [];
  let account: ((answer: EarlyAnswer) => void) | null = null;
  let answering = false;
  const atDoor: RequestListener = (req, res) => {
    const started = performance.now();
    const socket = res.socket;
    const writtenBefore = socket?.bytesWritten ?? 0;
    if (!answering || !answerVersionCheck(req, res, config.auth)) {
      held.push([req, res]);
      return;
    }
    res.once('close', () => {
      const url = req.url ?? '';
      const answer: EarlyAnswer = {
        method: req.method ?? '',
        path: url.split('?')[0],
        status: res.statusCode,
        bytes: socket ? socket.bytesWritten - writtenBefore : 0,
        ms: performance.now() - started,
      };
      if (account) account(answer);
      else if (answers.length < KEPT_ANSWERS) answers.push(answer);
    });
  };
  server.on('request', atDoor);
  const connections = trackConnections(server);
  await bind(server, config.server.host, config.server.port);
  let handedOver = false;
  return {
    server,
    connections,
    handOver(handler, accountAnswer) {
      if (handedOver) return;
      handedOver = true;
      server.off('request', atDoor);
      server.on('request', handler);
      account = accountAnswer;
      for (const answer of answers.splice(0)) accountAnswer(answer);
      for (const [req, res] of held.splice(0)) if (!res.destroyed) handler(req, res);
    },
    open() {
      if (answering) return;
      answering = true;
      const waiting = held.splice(0);
      for (const [req, res] of waiting) if (!res.destroyed) atDoor(req, res);
    },
    waiting: () => held.length,
  };
}
