/**
 * Start-up and shutdown of `berth serve`: the checks that must pass before
 * anything is created, the logger, the app, the listener, and the signals.
 * SIGTERM or SIGINT stops taking connections, lets requests in flight finish
 * within `server.shutdown_timeout`, closes the stores, then exits 0; SIGHUP
 * rereads the TLS certificate.
 */
import pino from 'pino';
import { buildApp } from './app.ts';
import type { ServerConfig } from './config.ts';
import { closeWithin } from './http-limits.ts';
import { logDestination } from './log-destination.ts';
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
  const log = pino(
    { level: config.log.level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
    logDestination(1),
  );
  // Port and folders first: a failure here has created nothing and printed no password.
  await preflight(config);
  const berth = await buildApp(config, log);
  const address = await berth.app.listen({ host: config.server.host, port: config.server.port });
  log.info({ address, data: config.data_dir }, 'berth is listening');
  log.flush();
  // Log lines are buffered for speed; flush them at least once a second.
  setInterval(() => log.flush(), 1000).unref();
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing requests in flight');
    const outcome = await closeWithin(berth.app.server, () => berth.close(), config.server.shutdown_timeout, log);
    log.info({ outcome }, 'stopped');
    log.flush();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  if (config.tls.cert) process.on('SIGHUP', () => reloadCertificate(berth.app.server, config, log));
}
