/**
 * Requests that arrive before the server is whole wait, at the listener:
 * `serve` listens as soon as the /v2 routes are up and wires the optional
 * features after (bench/FINDINGS.md, "Start-up, session 9"); until then only
 * the requests `passes` accepts (a client's first `GET /v2/`) are answered,
 * the others are handed to the app, in order, once `release()` is called.
 * The server's own request listeners are put back then, so nothing stays on
 * the path of later requests.
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export interface Hold {
  /** Hands the held requests to the app and stops holding (idempotent). */
  release(): void;
  /** How many requests are waiting. */
  waiting(): number;
}

export function holdRequests(server: EventEmitter, passes: (req: IncomingMessage) => boolean): Hold {
  const own = server.listeners('request') as Listener[];
  const held: [IncomingMessage, ServerResponse][] = [];
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    for (const listener of own) listener.call(server, req, res);
  };
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    if (passes(req)) serve(req, res);
    else held.push([req, res]);
  });
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      server.removeAllListeners('request');
      for (const listener of own) server.on('request', listener);
      for (const [req, res] of held.splice(0)) if (!res.destroyed) serve(req, res);
    },
    waiting: () => held.length,
  };
}

/** A registry client's version check, `GET /v2/` (or HEAD): what a start must answer first. */
export function isVersionCheck(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const url = req.url ?? '';
  return url === '/v2/' || url.startsWith('/v2/?');
}
