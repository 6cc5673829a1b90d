/**
 * The listener's open connections, for a shutdown that ends them: HTTP/1.1
 * sockets and, with TLS, HTTP/2 sessions. Node's HTTP/1 server can close its
 * own idle or all connections, but the HTTP/2 server (TLS with ALPN) cannot
 * close them all, and its `close()` waits for every session to end: a client
 * that keeps a session open (containerd, podman) would hold a stop until the
 * shutdown timeout.
 */
import type { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Http2Session } from 'node:http2';
import type { Socket } from 'node:net';

/** What a stop waits for: HTTP/1.1 requests being answered (method and path), HTTP/2 sessions still open. */
export interface InFlight {
  requests: { method: string; path: string }[];
  http2Sessions: number;
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
  /** What is still being answered (a stop says what it waits for). */
  inFlight(): InFlight;
}

export function trackConnections(listener: EventEmitter): Connections {
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
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
    // Read from the connections when asked, not tracked per request: nothing is added to the hot path.
    // Node's HTTP/1 server gives a connection's current response as `_httpMessage` (its own idle check reads it).
    inFlight() {
      const requests: InFlight['requests'] = [];
      for (const socket of sockets) {
        const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
        if (!res || res.writableEnded) continue;
        const url = res.req?.url ?? '';
        requests.push({ method: res.req?.method ?? '', path: url.split('?')[0] as string });
      }
      let http2Sessions = 0;
      for (const session of sessions) if (!session.destroyed) http2Sessions++;
      return { requests, http2Sessions };
    },
  };
}
