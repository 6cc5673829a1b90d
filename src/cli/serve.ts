import { Command } from 'commander';
import pino from 'pino';
import { buildApp } from '../server/app.ts';
import { loadConfig, type ServerConfig } from '../server/config.ts';
import { closeWithin } from '../server/http-limits.ts';
import { logDestination } from '../server/log-destination.ts';
import { preflight } from '../server/preflight.ts';
import { reloadTls } from '../server/tls.ts';

function reloadCertificate(server: unknown, config: ServerConfig, log: pino.Logger): void {
  try {
    reloadTls(server, config);
    log.info({ cert: config.tls.cert }, 'reloaded the TLS certificate');
  } catch (err) {
    log.error({ err }, 'could not reload the TLS certificate; still serving the previous one');
  }
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('start the registry server')
    .option('--port <port>', 'port to listen on (BERTH_PORT, default 5000)')
    .option('--host <host>', 'address to listen on (BERTH_HOST, default 0.0.0.0)')
    .option('--data <dir>', 'data folder (BERTH_DATA, default ./data)')
    .option('--log-level <level>', 'log level (BERTH_LOG_LEVEL, default info)')
    .option('--config <file>', 'configuration file (BERTH_CONFIG, default ./berth.yaml if present)')
    .option('--tls-cert <file>', 'serve HTTPS and HTTP/2 with this PEM certificate (BERTH_TLS_CERT); reread on SIGHUP')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert (BERTH_TLS_KEY)')
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
          'tls.cert': flags.tlsCert,
          'tls.key': flags.tlsKey,
        },
      });
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
    });
}
