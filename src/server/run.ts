/**
 * Start-up and shutdown of `berth serve`: the checks that must pass before
 * anything is created, the logger, the app, the listener, and the signals.
 * SIGTERM or SIGINT stops taking connections, lets requests in flight finish
 * within `server.shutdown_timeout`, closes the stores, then exits 0; SIGHUP
 * rereads the TLS certificate.
 */
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { type Berth, buildFront } from './app.ts';
import type { ServerConfig } from './config.ts';
import { trackConnections } from './connections.ts';
import { holdRequests, isVersionCheck } from './hold.ts';
import { closeWithin } from './http-limits.ts';
import { infoLines, logDestination } from './log-destination.ts';
import { preflight } from './preflight.ts';
import { reloadTls } from './tls.ts';

function reloadCertificate(server: unknown, config: ServerConfig, log: pino.Logger): void {
  try {
    reloadTls(server, config);
    log.info({ cert: config.tls.cert }, 'reloaded the TLS certificate');
  } catch (err) {
    log.error({ err }, 'could not reload the TLS certificate; still serving the previous one');
  }
}

export async function runServer(config: ServerConfig): Promise<void> {
  const destination = logDestination(1);
  const log = pino({ level: config.log.level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  // Port and folders first: a failure here has created nothing and printed no password.
  await preflight(config);
  const front = await buildFront(config, log, {
    deferBackground: true,
    accessLines: infoLines(destination, () => log.isLevelEnabled('info')),
  });
  // Listening comes first: a client's `GET /v2/` is answered at once, any other request waits at the
  // listener until the features are wired just after (bench/FINDINGS.md, "Start-up, session 9").
  const hold = holdRequests(front.app.server, isVersionCheck);
  const connections = trackConnections(front.app.server);
  await front.app.listen({ host: config.server.host, port: config.server.port });
  // Signals from the moment the port is bound: a stop during the features' wiring waits for it, then closes all.
  const whole = front.complete();
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing requests in flight');
    const built = await whole.catch(() => null);
    // Requests held until the features were wired are answered before the close, as requests in flight.
    if (built) hold.release();
    const close = () => (built ? built.close() : front.abandon());
    const outcome = await closeWithin(connections, close, config.server.shutdown_timeout, log);
    log.info({ outcome }, 'stopped');
    log.flush();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  let berth: Berth;
  try {
    berth = await whole;
  } catch (err) {
    log.error({ err }, 'could not start the registry features');
    log.flush();
    await front.abandon().catch(() => undefined);
    process.exit(1);
  }
  if (stopping) return;
  hold.release();
  // The runners' first passes come after the first turn of serving, not before it.
  setImmediate(() => berth.startBackground());
  const bound = boundAddress(front.app.server.address(), config.server.host, config.tls.cert ? 'https' : 'http');
  log.info({ address: bound.listening, data: config.data_dir }, 'berth is listening');
  log.flush();
  // Shown only now that the server is up: a start that failed earlier shows nothing
  // (`berth user reset-password admin` gives a new one when it is lost).
  if (berth.generatedAdminPassword) process.stderr.write(adminBanner(berth.generatedAdminPassword, bound.open));
  // Log lines are buffered for speed; flush them at least once a second.
  setInterval(() => log.flush(), 1000).unref();
  if (config.tls.cert) process.on('SIGHUP', () => reloadCertificate(berth.app.server, config, log));
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
