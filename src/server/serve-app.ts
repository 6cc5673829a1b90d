/**
 * `berth serve` once the port is bound (server/run.ts): the logger, the app
 * built on the door's listener, the hand-over, and the stop. SIGTERM or
 * SIGINT stops taking connections, lets requests in flight finish within
 * `server.shutdown_timeout`, closes the stores, then exits 0; SIGHUP rereads
 * the TLS certificate.
 */
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { type Berth, buildFront, type Front } from './app.ts';
import type { ServerConfig } from './config.ts';
import type { Door, Listener } from './door.ts';
import { closeWithin } from './http-limits.ts';
import { infoLines, logDestination } from './log-destination.ts';
import type { Stops } from './run.ts';
import { reloadTls } from './tls.ts';

function reloadCertificate(server: unknown, config: ServerConfig, log: pino.Logger): void {
  try {
    reloadTls(server, config);
    log.info({ cert: config.tls.cert }, 'reloaded the TLS certificate');
  } catch (err) {
    log.error({ err }, 'could not reload the TLS certificate; still serving the previous one');
  }
}

/** Stops taking connections; resolves once the last one has closed. */
function closeListener(server: Listener): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function serveApp(config: ServerConfig, door: Door, stops: Stops): Promise<void> {
  const destination = logDestination(1);
  const log = pino({ level: config.log.level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  const front: Promise<Front> = buildFront(config, log, {
    deferBackground: true,
    accessLines: infoLines(destination, () => log.isLevelEnabled('info')),
    door,
  });
  const whole = front.then((f) => f.complete());
  let stopping = false;
  stops.handle(async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing requests in flight');
    // A stop while the app is being built waits for it, then answers the held requests as requests in flight.
    const built = await whole.catch(() => null);
    if (built) await (await front).takeOver();
    const close = async () => {
      await closeListener(door.server);
      if (built) await built.close();
      else await front.then((f) => f.abandon()).catch(() => undefined);
    };
    const outcome = await closeWithin(door.connections, close, config.server.shutdown_timeout, log);
    log.info({ outcome }, 'stopped');
    log.flush();
    process.exit(0);
  });
  let berth: Berth;
  try {
    berth = await whole;
  } catch (err) {
    log.error({ err }, 'could not start the registry');
    log.flush();
    await front.then((f) => f.abandon()).catch(() => undefined);
    door.server.close();
    // `berth` prints the reason on one line and exits 1, as for a failure before the port was bound.
    throw err;
  }
  if (stopping) return;
  await (await front).takeOver();
  // The runners' first passes come after the first turn of serving, not before it.
  setImmediate(() => berth.startBackground());
  const bound = boundAddress(door.server.address(), config.server.host, config.tls.cert ? 'https' : 'http');
  log.info({ address: bound.listening, data: config.data_dir }, 'berth is listening');
  log.flush();
  // Shown only now that the server is up: a start that failed earlier shows nothing
  // (`berth user reset-password admin` gives a new one when it is lost).
  if (berth.generatedAdminPassword) process.stderr.write(adminBanner(berth.generatedAdminPassword, bound.open));
  // Log lines are buffered for speed; flush them at least once a second.
  setInterval(() => log.flush(), 1000).unref();
  if (config.tls.cert) process.on('SIGHUP', () => reloadCertificate(door.server, config, log));
}

/**
 * The address actually bound (`http://0.0.0.0:5000` when listening on every
 * interface) and one to open in a browser on this machine.
 */
export function boundAddress(
  info: AddressInfo | string | null,
  configuredHost: string,
  scheme: 'http' | 'https' = 'http',
): { listening: string; open: string } {
  if (!info || typeof info === 'string') return { listening: String(info ?? configuredHost), open: String(info) };
  const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  const everywhere = info.address === '0.0.0.0' || info.address === '::';
  return {
    listening: `${scheme}://${host}:${info.port}`,
    open: `${scheme}://${everywhere || info.address === '127.0.0.1' ? 'localhost' : host}:${info.port}/`,
  };
}

export function adminBanner(password: string, open: string): string {
  const rule = '='.repeat(64);
  return [
    '',
    rule,
    '  Berth created the administrator account on this first start.',
    '',
    '    username: admin',
    `    password: ${password}`,
    '',
    `  Sign in at ${open} and change it. It is shown only this once;`,
    '  if it is lost, stop Berth and run: npx berth user reset-password admin',
    rule,
    '',
    '',
  ].join('\n');
}
