import { Command } from 'commander';
import { loadConfig } from '../server/config.ts';
import { runServer } from '../server/run.ts';

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
      await runServer(config);
    });
}
