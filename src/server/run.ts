/**
 * Start-up and shutdown of `berth serve`: the logger, the app, the listener,
 * and the signals. SIGTERM or SIGINT stops taking connections, lets requests
 * in flight finish, closes the stores, then exits 0.
 */
import pino from 'pino';
import { buildApp } from './app.ts';
import type { ServerConfig } from './config.ts';
import { logDestination } from './log-destination.ts';

export async function runServer(config: ServerConfig): Promise<void> {
  const log = pino(
    { level: config.log.level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
    logDestination(1),
  );
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
    await berth.close();
    log.info('stopped');
    log.flush();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
