/** Server settings: defaults, overridden by environment (BERTH_*), then by CLI flags. */
import { join, resolve } from 'node:path';

export interface ServerConfig {
  host: string;
  port: number;
  /** Folder for the filesystem driver and the SQLite database. */
  dataDir: string;
  logLevel: string;
  /** Folder with the built web console (BERTH_CONSOLE_DIR); defaults to the package's web/dist. */
  consoleDir?: string;
}

export class ConfigError extends Error {
  constructor(key: string, message: string) {
    super(`invalid configuration ${key}: ${message}`);
    this.name = 'ConfigError';
  }
}

function port(value: string, key: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(key, `not a port number: ${value}`);
  return n;
}

export function loadConfig(
  flags: Partial<Record<'host' | 'port' | 'data' | 'logLevel', string>>,
  env = process.env,
): ServerConfig {
  return {
    host: flags.host ?? env.BERTH_HOST ?? '0.0.0.0',
    port: flags.port !== undefined ? port(flags.port, '--port') : port(env.BERTH_PORT ?? '5000', 'BERTH_PORT'),
    dataDir: resolve(flags.data ?? env.BERTH_DATA ?? 'data'),
    logLevel: flags.logLevel ?? env.BERTH_LOG_LEVEL ?? 'info',
    ...(env.BERTH_CONSOLE_DIR ? { consoleDir: resolve(env.BERTH_CONSOLE_DIR) } : {}),
  };
}

export const storageDir = (config: ServerConfig) => join(config.dataDir, 'storage');
export const databaseFile = (config: ServerConfig) => join(config.dataDir, 'berth.db');
