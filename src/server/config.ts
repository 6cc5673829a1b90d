/**
 * Configuration: built-in defaults, then a YAML file (`--config`, BERTH_CONFIG,
 * or ./berth.yaml when present), then BERTH_* environment variables, then
 * command-line flags. Anything unknown or mistyped stops the start with a
 * message naming the key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import YAML from 'yaml';

export interface S3Config {
  endpoint?: string;
  region: string;
  bucket: string;
  prefix: string;
  access_key?: string;
  secret_key?: string;
  force_path_style: boolean;
  /** Answer blob GETs with a redirect to a presigned URL. */
  redirect: boolean;
}

export interface ServerConfig {
  server: { host: string; port: number };
  /** Default home of the filesystem storage and the SQLite database. */
  data_dir: string;
  log: { level: string };
  storage: { driver: 'filesystem' | 's3'; filesystem: { root?: string }; s3: S3Config };
  database: { driver: 'sqlite' | 'postgres'; sqlite: { path?: string }; postgres: { url?: string; pool_size: number } };
}

export class ConfigError extends Error {
  constructor(key: string, message: string) {
    super(`invalid configuration ${key}: ${message}`);
    this.name = 'ConfigError';
  }
}

export function defaults(): ServerConfig {
  return {
    server: { host: '0.0.0.0', port: 5000 },
    data_dir: 'data',
    log: { level: 'info' },
    storage: {
      driver: 'filesystem',
      filesystem: {},
      s3: { region: 'us-east-1', bucket: 'berth', prefix: '', force_path_style: true, redirect: false },
    },
    database: { driver: 'sqlite', sqlite: {}, postgres: { pool_size: 10 } },
  };
}

const ENUMS: Record<string, string[]> = {
  'storage.driver': ['filesystem', 's3'],
  'database.driver': ['sqlite', 'postgres'],
  'log.level': ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
};
const OPTIONAL_STRINGS = new Set([
  'storage.filesystem.root',
  'storage.s3.endpoint',
  'storage.s3.access_key',
  'storage.s3.secret_key',
  'database.sqlite.path',
  'database.postgres.url',
]);

/** Environment variables and the keys they set. */
export const ENV_KEYS: Record<string, string> = {
  BERTH_HOST: 'server.host',
  BERTH_PORT: 'server.port',
  BERTH_DATA: 'data_dir',
  BERTH_LOG_LEVEL: 'log.level',
  BERTH_STORAGE_DRIVER: 'storage.driver',
  BERTH_STORAGE_ROOT: 'storage.filesystem.root',
  BERTH_S3_ENDPOINT: 'storage.s3.endpoint',
  BERTH_S3_REGION: 'storage.s3.region',
  BERTH_S3_BUCKET: 'storage.s3.bucket',
  BERTH_S3_PREFIX: 'storage.s3.prefix',
  BERTH_S3_ACCESS_KEY: 'storage.s3.access_key',
  BERTH_S3_SECRET_KEY: 'storage.s3.secret_key',
  BERTH_S3_FORCE_PATH_STYLE: 'storage.s3.force_path_style',
  BERTH_S3_REDIRECT: 'storage.s3.redirect',
  BERTH_DATABASE_DRIVER: 'database.driver',
  BERTH_DATABASE_PATH: 'database.sqlite.path',
  BERTH_DATABASE_URL: 'database.postgres.url',
  BERTH_DATABASE_POOL_SIZE: 'database.postgres.pool_size',
};

type Tree = Record<string, unknown>;

/** Merges `source` into `target`, checking each key and type against the defaults. */
function merge(target: Tree, source: unknown, path: string): void {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    throw new ConfigError(path || '(root)', 'must be a mapping');
  }
  for (const [key, value] of Object.entries(source)) {
    const full = path ? `${path}.${key}` : key;
    if (!(key in target) && !OPTIONAL_STRINGS.has(full)) throw new ConfigError(full, 'unknown key');
    const current = target[key];
    if (typeof current === 'object' && current !== null) {
      merge(current as Tree, value, full);
    } else {
      target[key] = coerce(full, value, current);
    }
  }
}

function coerce(key: string, value: unknown, current: unknown): unknown {
  const expected = current === undefined ? 'string' : typeof current;
  let out = value;
  if (typeof value === 'string' && expected === 'number') out = value.trim() === '' ? Number.NaN : Number(value);
  if (typeof value === 'string' && expected === 'boolean') {
    if (!['true', 'false', '1', '0'].includes(value))
      throw new ConfigError(key, `expected true or false, got "${value}"`);
    out = value === 'true' || value === '1';
  }
  if (typeof out !== expected || (expected === 'number' && !Number.isFinite(out))) {
    throw new ConfigError(key, `expected a ${expected}, got ${JSON.stringify(value)}`);
  }
  if (ENUMS[key] && !ENUMS[key].includes(out as string)) {
    throw new ConfigError(key, `must be one of ${ENUMS[key].join(', ')}, got "${out}"`);
  }
  return out;
}

function setPath(tree: Tree, key: string, value: string): void {
  const parts = key.split('.');
  const patch: Tree = {};
  let node = patch;
  for (const part of parts.slice(0, -1)) node = node[part] = {} as Tree;
  node[parts[parts.length - 1]] = value;
  merge(tree, patch, '');
}

export interface ConfigSources {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Dotted keys set from command-line flags. */
  overrides?: Record<string, string | undefined>;
}

export function loadConfig(sources: ConfigSources = {}): ServerConfig {
  const env = sources.env ?? process.env;
  const config = defaults();
  const tree = config as unknown as Tree;
  const file = sources.file ?? env.BERTH_CONFIG ?? (existsSync('berth.yaml') ? 'berth.yaml' : undefined);
  if (file) {
    let parsed: unknown;
    try {
      parsed = YAML.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(file, (err as Error).message);
    }
    if (parsed !== null && parsed !== undefined) merge(tree, parsed, '');
  }
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    try {
      setPath(tree, key, value);
    } catch (err) {
      throw new ConfigError(
        `${key} (from ${name})`,
        (err as Error).message.replace(/^invalid configuration [^:]+: /, ''),
      );
    }
  }
  for (const [key, value] of Object.entries(sources.overrides ?? {}))
    if (value !== undefined) setPath(tree, key, value);
  validate(config);
  config.data_dir = resolve(config.data_dir);
  return config;
}

function validate(config: ServerConfig): void {
  const { port } = config.server;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError('server.port', `not a port number: ${port}`);
  if (config.database.driver === 'postgres' && !config.database.postgres.url) {
    throw new ConfigError('database.postgres.url', 'required when database.driver is postgres');
  }
  if (config.storage.driver === 's3') {
    if (!config.storage.s3.bucket) throw new ConfigError('storage.s3.bucket', 'required when storage.driver is s3');
    if (config.storage.s3.endpoint && !/^https?:\/\//.test(config.storage.s3.endpoint)) {
      throw new ConfigError('storage.s3.endpoint', 'must start with http:// or https://');
    }
  }
}

const underData = (config: ServerConfig, path: string | undefined, fallback: string) =>
  path ? (isAbsolute(path) ? path : resolve(path)) : join(config.data_dir, fallback);

export const storageDir = (config: ServerConfig) => underData(config, config.storage.filesystem.root, 'storage');
export const databaseFile = (config: ServerConfig) => underData(config, config.database.sqlite.path, 'berth.db');
