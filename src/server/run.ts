/**
 * Start-up of `berth serve`, the part loaded before the app: the port bound
 * and the folders checked (server/door.ts: from then on a client's version
 * check is answered and its other requests wait), stop signals caught, and
 * only then the app's modules loaded (serve-app.ts, its own chunk of the
 * bundle). A failure until then has created nothing but the folders and
 * printed no password.
 */
import type { ServerConfig } from './config.ts';
import { openDoor } from './door.ts';
import { preflight } from './preflight.ts';

/** SIGTERM/SIGINT from the moment the port is bound; a signal before `handle` is given is kept for it. */
export interface Stops {
  handle(stop: (signal: string) => void): void;
}

function catchStops(): Stops {
  let pending: string | null = null;
  let stop: ((signal: string) => void) | null = null;
  const on = (signal: string) => {
    if (stop) stop(signal);
    else pending ??= signal;
  };
  process.on('SIGTERM', () => on('SIGTERM'));
  process.on('SIGINT', () => on('SIGINT'));
  return {
    handle(handler) {
      stop = handler;
      if (pending) handler(pending);
    },
  };
}

export async function runServer(config: ServerConfig): Promise<void> {
  // The port first, then the folders: a port in use is reported before anything is created.
  const door = await openDoor(config);
  const stops = catchStops();
  try {
    await preflight(config);
  } catch (err) {
    door.server.close();
    throw err;
  }
  door.open();
  const { serveApp } = await import('./serve-app.ts');
  await serveApp(config, door, stops);
}
