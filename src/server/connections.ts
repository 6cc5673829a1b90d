/**
 * The listener's open connections, for a shutdown that ends them: HTTP/1.1
 * sockets and, with TLS, HTTP/2 sessions. Node's HTTP/1 server can close its
 * own idle or all connections, but the HTTP/2 server (TLS with ALPN) cannot
 * close them all, and its `close()` waits for every session to end: a client
 * that keeps a session open (containerd, podman) would hold a stop until the
 * shutdown timeout.
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2Session } from 'node:http2';
import type { Socket } from 'node:net';

/** A request being answered: what a stop waits for. */
export interface InFlight {
  method: string;
  path: string;
  startedAt: number;
}

export interface Connections {
  /**
   * Ends what carries no request now: HTTP/1.1 connections between requests;
   * HTTP/2 sessions get a GOAWAY (streams under way finish, no new ones start).
   * Repeated while a stop waits, as requests end.
   */
  closeIdle(): void;
  /** Destroys every connection (the shutdown timeout passed). */
  closeAll(): void;
  /** The requests being answered now, oldest first (a stop says what it waits for). */
  inFlight(): InFlight[];
}

export function trackConnections(listener: EventEmitter): Connections {
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  const requests = new Set<InFlight>();
  // Over HTTP/2 too: Fastify serves it through Node's compatibility API, which emits 'request' per stream.
  listener.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const entry = { method: req.method ?? '', path: (req.url ?? '').split('?')[0] as string, startedAt: Date.now() };
    requests.add(entry);
    res.once('close', () => requests.delete(entry));
  });
  listener.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  listener.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const http1 = listener as EventEmitter & { closeIdleConnections?: () => void };
  return {
    closeIdle() {
      http1.closeIdleConnections?.();
      for (const session of sessions) if (!session.closed) session.close();
    },
    closeAll() {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
    },
    inFlight: () => [...requests],
  };
}
