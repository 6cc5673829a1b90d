import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import pino from 'pino';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { logDestination } from '../server/log-destination.ts';

export function serveCommand(): Command {
  return new Command('serve')
    .description('start the registry server')
    .option('--port <port>', 'port to listen on (BERTH_PORT, default 5000)')
    .option('--host <host>', 'address to listen on (BERTH_HOST, default 0.0.0.0)')
    .option('--data <dir>', 'data folder (BERTH_DATA, default ./data)')
    .option('--log-level <level>', 'log level (BERTH_LOG_LEVEL, default info)')
    .option('--config <file>', 'configuration file (BERTH_CONFIG, default ./berth.yaml if present)')
    .option('--no-auth', 'no authentication: anyone may pull and push (BERTH_AUTH=off); for tests only')
    .action(async (flags) => {
      const config = loadConfig({
        file: flags.config,
        overrides: {
          'server.port': flags.port,
          'server.host': flags.host,
          data_dir: flags.data,
          'log.level': flags.logLevel,
          'auth.enabled': flags.auth === false ? 'false' : undefined,
        },
      });
      const log = pino(
        { level: config.log.level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
        logDestination(1),
      );
      const berth = await buildApp(config, log);
      await berth.app.listen({ host: config.server.host, port: config.server.port });
      const bound = boundAddress(berth.app.server.address(), config.server.host);
      log.info({ address: bound.listening, data: config.data_dir }, 'berth is listening');
      log.flush();
      // Shown only now that the server is up: a start that failed earlier shows nothing
      // (`berth user reset-password admin` gives a new one when it is lost).
      if (berth.generatedAdminPassword) process.stderr.write(adminBanner(berth.generatedAdminPassword, bound.open));
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
    });
}

/**
 * The address actually bound (`http://0.0.0.0:5000` when listening on every
 * interface) and one to open in a browser on this machine.
 */
export function boundAddress(
  info: AddressInfo | string | null,
  configuredHost: string,
): { listening: string; open: string } {
  if (!info || typeof info === 'string') return { listening: String(info ?? configuredHost), open: String(info) };
  const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  const everywhere = info.address === '0.0.0.0' || info.address === '::';
  return {
    listening: `http://${host}:${info.port}`,
    open: `http://${everywhere || info.address === '127.0.0.1' ? 'localhost' : host}:${info.port}/`,
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
