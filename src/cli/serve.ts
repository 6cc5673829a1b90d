import { Command } from 'commander';
import pino from 'pino';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';

export function serveCommand(): Command {
  return new Command('serve')
    .description('start the registry server')
    .option('--port <port>', 'port to listen on (BERTH_PORT, default 5000)')
    .option('--host <host>', 'address to listen on (BERTH_HOST, default 0.0.0.0)')
    .option('--data <dir>', 'data folder (BERTH_DATA, default ./data)')
    .option('--log-level <level>', 'log level (BERTH_LOG_LEVEL, default info)')
    .action(async (flags) => {
      const config = loadConfig(flags);
      const log = pino(
        { level: config.logLevel, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
        pino.destination({ dest: 1, sync: false, minLength: 4096 }),
      );
      const berth = await buildApp(config, log);
      const address = await berth.app.listen({ host: config.host, port: config.port });
      log.info({ address, data: config.dataDir }, 'berth is listening');
      log.flush();
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
