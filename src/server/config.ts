/**
 * Configuration: built-in defaults, then a YAML file (`--config`, BERTH_CONFIG,
 * or ./berth.yaml when present), then BERTH_* environment variables, then
 * command-line flags. Anything unknown or mistyped stops the start with a
 * message naming the key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';

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

/** Authentication and access control (see README, "Log in"). */
export interface AuthConfig {
  /** Off only when asked (BERTH_AUTH=off, `serve --no-auth`): then anyone may pull and push. */
  enabled: boolean;
  /** Password of `admin` when first created; generated and printed once when unset. */
  admin_password?: string;
  /** The ES256 token signing key (a private JWK); default DATA/keys/token-es256.jwk, created on first start. */
  token_key_file?: string;
  /** Absolute URL of /service/token announced in challenges; default: from the request's Host. */
  token_realm?: string;
  /** Registry token lifetime in seconds. */
  token_ttl: number;
  /** Failed logins allowed per address and account within 5 minutes before 429. */
  login_max_failures: number;
  ldap: {
    url?: string;
    bind_dn?: string;
    bind_password?: string;
    base_dn?: string;
    filter?: string;
    uid_attribute: string;
  };
  oidc: {
    issuer?: string;
    client_id?: string;
    client_secret?: string;
    /** Berth's callback as registered at the provider: https://HOST/c/oidc/callback */
    redirect_url?: string;
    scope: string;
    user_claim: string;
  };
}

export interface ServerConfig {
  server: { host: string; port: number };
  /** Default home of the filesystem storage and the SQLite database. */
  data_dir: string;
  log: { level: string };
  storage: { driver: 'filesystem' | 's3'; filesystem: { root?: string }; s3: S3Config };
  database: { driver: 'sqlite' | 'postgres'; sqlite: { path?: string }; postgres: { url?: string; pool_size: number } };
  /** Encryption of stored credentials (registry passwords, kubeconfigs). */
  secrets: {
    /** At least 16 characters; unset: generated on first start and kept in DATA/keys/secret.key. */
    key?: string;
    /** Older keys still accepted for decryption, comma-separated (key rotation). */
    previous_keys?: string;
    /** Where the generated key is kept; default DATA/keys/secret.key. */
    key_file?: string;
  };
  kube: {
    /** Seconds between full reconciles of every pull-secret copy; 0: off. */
    reconcile_interval: number;
    /** Run the reconcile worker in this process. */
    worker: boolean;
  };
  /** Vulnerability scanning. */
  scan: {
    /** Scan every pushed image (projects can also ask for it with Harbor's auto_scan). */
    on_push: boolean;
    /** After a newer vulnerability database is imported, images pulled within this many days are rescanned (0: never). */
    rescan_days: number;
  };
  auth: AuthConfig;
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
    secrets: {},
    kube: { reconcile_interval: 600, worker: true },
    scan: { on_push: false, rescan_days: 7 },
    auth: {
      enabled: true,
      token_ttl: 300,
      login_max_failures: 10,
      ldap: { uid_attribute: 'uid' },
      oidc: { scope: 'openid profile email', user_claim: 'preferred_username' },
    },
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
  'secrets.key',
  'secrets.previous_keys',
  'secrets.key_file',
  'auth.admin_password',
  'auth.token_key_file',
  'auth.token_realm',
  'auth.ldap.url',
  'auth.ldap.bind_dn',
  'auth.ldap.bind_password',
  'auth.ldap.base_dn',
  'auth.ldap.filter',
  'auth.oidc.issuer',
  'auth.oidc.client_id',
  'auth.oidc.client_secret',
  'auth.oidc.redirect_url',
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
  BERTH_SECRET_KEY: 'secrets.key',
  BERTH_SECRET_KEY_PREVIOUS: 'secrets.previous_keys',
  BERTH_SECRET_KEY_FILE: 'secrets.key_file',
  BERTH_KUBE_RECONCILE_INTERVAL: 'kube.reconcile_interval',
  BERTH_KUBE_WORKER: 'kube.worker',
  BERTH_SCAN_ON_PUSH: 'scan.on_push',
  BERTH_SCAN_RESCAN_DAYS: 'scan.rescan_days',
  BERTH_AUTH: 'auth.enabled',
  BERTH_ADMIN_PASSWORD: 'auth.admin_password',
  BERTH_TOKEN_KEY_FILE: 'auth.token_key_file',
  BERTH_TOKEN_REALM: 'auth.token_realm',
  BERTH_TOKEN_TTL: 'auth.token_ttl',
  BERTH_LOGIN_MAX_FAILURES: 'auth.login_max_failures',
  BERTH_LDAP_URL: 'auth.ldap.url',
  BERTH_LDAP_BIND_DN: 'auth.ldap.bind_dn',
  BERTH_LDAP_BIND_PASSWORD: 'auth.ldap.bind_password',
  BERTH_LDAP_BASE_DN: 'auth.ldap.base_dn',
  BERTH_LDAP_FILTER: 'auth.ldap.filter',
  BERTH_LDAP_UID: 'auth.ldap.uid_attribute',
  BERTH_OIDC_ISSUER: 'auth.oidc.issuer',
  BERTH_OIDC_CLIENT_ID: 'auth.oidc.client_id',
  BERTH_OIDC_CLIENT_SECRET: 'auth.oidc.client_secret',
  BERTH_OIDC_REDIRECT_URL: 'auth.oidc.redirect_url',
  BERTH_OIDC_SCOPE: 'auth.oidc.scope',
  BERTH_OIDC_USER_CLAIM: 'auth.oidc.user_claim',
};

/** BERTH_AUTH also takes on/off (and yes/no). */
function envValue(name: string, value: string): string {
  if (name !== 'BERTH_AUTH') return value;
  if (/^(off|no)$/i.test(value)) return 'false';
  if (/^(on|yes)$/i.test(value)) return 'true';
  return value;
}

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
      // The YAML parser is loaded only when there is a file to read.
      const YAML = createRequire(import.meta.url)('yaml') as typeof import('yaml');
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
      setPath(tree, key, envValue(name, value));
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

function validateAuth(auth: AuthConfig): void {
  for (const key of ['token_ttl', 'login_max_failures'] as const)
    if (!Number.isInteger(auth[key]) || auth[key] < 1)
      throw new ConfigError(`auth.${key}`, 'must be a positive integer');
  if (auth.ldap.url && !auth.ldap.base_dn) throw new ConfigError('auth.ldap.base_dn', 'required with auth.ldap.url');
  if (auth.oidc.issuer) {
    for (const key of ['client_id', 'client_secret', 'redirect_url'] as const)
      if (!auth.oidc[key]) throw new ConfigError(`auth.oidc.${key}`, 'required with auth.oidc.issuer');
  }
}

function validate(config: ServerConfig): void {
  validateAuth(config.auth);
  const { port } = config.server;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError('server.port', `not a port number: ${port}`);
  if (config.database.driver === 'postgres' && !config.database.postgres.url) {
    throw new ConfigError('database.postgres.url', 'required when database.driver is postgres');
  }
  if (config.secrets.key !== undefined && config.secrets.key.length < 16) {
    throw new ConfigError('secrets.key', 'must be at least 16 characters (use a long random string)');
  }
  for (const [i, k] of (config.secrets.previous_keys ?? '').split(',').entries()) {
    if (k.trim() !== '' && k.trim().length < 16) {
      throw new ConfigError('secrets.previous_keys', `key ${i + 1} must be at least 16 characters`);
    }
  }
  const interval = config.kube.reconcile_interval;
  if (!Number.isInteger(interval) || interval < 0) {
    throw new ConfigError('kube.reconcile_interval', 'must be a whole number of seconds, 0 to turn it off');
  }
  const rescanDays = config.scan.rescan_days;
  if (!Number.isInteger(rescanDays) || rescanDays < 0) {
    throw new ConfigError('scan.rescan_days', 'must be a whole number of days, 0 to turn rescans off');
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
export const secretKeyFile = (config: ServerConfig) =>
  underData(config, config.secrets.key_file, join('keys', 'secret.key'));
export const previousSecretKeys = (config: ServerConfig) =>
  (config.secrets.previous_keys ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
export const tokenKeyFile = (config: ServerConfig) =>
  underData(config, config.auth.token_key_file, join('keys', 'token-es256.jwk'));
