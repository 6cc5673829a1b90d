/**
 * Configuration: built-in defaults, then a YAML file (`--config`, BERTH_CONFIG,
 * or ./berth.yaml when present), then BERTH_* environment variables, then
 * command-line flags. Anything unknown or mistyped stops the start with a
 * message naming the key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import type { TSchema } from 'typebox';
import { AddressSet, OutboundPolicy } from '../core/outbound.ts';
import { ConfigSchema, type ConfigShape, choicesOf, settings } from './config-schema.ts';

type Tree = Record<string, unknown>;

/** The configuration's type, from its one declaration (config-schema.ts). */
export type ServerConfig = ConfigShape;
export type S3Config = ServerConfig['storage']['s3'];
/** Authentication and access control (see README, "Log in"). */
export type AuthConfig = ServerConfig['auth'];

export class ConfigError extends Error {
  constructor(key: string, message: string) {
    super(`invalid configuration ${key}: ${message}`);
    this.name = 'ConfigError';
  }
}

const SETTINGS = settings();

/** The built-in defaults: every setting's `default`, and an empty mapping for every section. */
export function defaults(): ServerConfig {
  const tree: Tree = {};
  const fill = (node: TSchema, into: Tree) => {
    for (const [name, child] of Object.entries((node as { properties?: Record<string, TSchema> }).properties ?? {})) {
      const c = child as { type?: string; default?: unknown };
      if (c.type === 'object') {
        into[name] = {};
        fill(child, into[name] as Tree);
      } else if (c.default !== undefined) into[name] = c.default;
    }
  };
  fill(ConfigSchema, tree);
  return tree as unknown as ServerConfig;
}

const ENUMS: Record<string, string[]> = Object.fromEntries(
  SETTINGS.flatMap((s) => (choicesOf(s) ? [[s.key, choicesOf(s) as string[]]] : [])),
);
/** Settings with no default: absent until set. */
const OPTIONAL_STRINGS = new Set(
  SETTINGS.filter((s) => s.optional && s.schema.default === undefined).map((s) => s.key),
);

/** Environment variables and the keys they set. */
export const ENV_KEYS: Record<string, string> = Object.fromEntries(
  SETTINGS.flatMap((s) => (s.schema.env ? [[s.schema.env, s.key]] : [])),
);

/** BERTH_AUTH also takes on/off (and yes/no). */
function envValue(name: string, value: string): string {
  if (name !== 'BERTH_AUTH') return value;
  if (/^(off|no)$/i.test(value)) return 'false';
  if (/^(on|yes)$/i.test(value)) return 'true';
  return value;
}

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

/** Settings that take a comma-separated list also take a YAML sequence. */
const LIST_KEYS = new Set(['outbound.allow', 'server.trusted_proxies', 'proxy.mirrors']);

function coerce(key: string, value: unknown, current: unknown): unknown {
  const expected = current === undefined ? 'string' : typeof current;
  let out = LIST_KEYS.has(key) && Array.isArray(value) ? value.map(String).join(',') : value;
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

/** The bounds the schema gives integer settings (`minimum`, `maximum`). */
function validateBounds(config: ServerConfig): void {
  for (const s of SETTINGS) {
    if (s.schema.type !== 'integer') continue;
    const value = s.key.split('.').reduce<unknown>((node, part) => (node as Tree)?.[part], config);
    if (value === undefined) continue;
    const { minimum, maximum } = s.schema as { minimum?: number; maximum?: number };
    if (!Number.isInteger(value)) throw new ConfigError(s.key, `must be a whole number, got ${value}`);
    if (minimum !== undefined && (value as number) < minimum)
      throw new ConfigError(s.key, `must be at least ${minimum}`);
    if (maximum !== undefined && (value as number) > maximum)
      throw new ConfigError(s.key, `must be at most ${maximum}`);
  }
}

/** Timeouts that fit together, address lists that parse, TLS files in pairs. */
function validateServing(config: ServerConfig): void {
  if (config.server.request_timeout > 0 && config.server.request_timeout < config.server.headers_timeout)
    throw new ConfigError('server.request_timeout', 'must be at least server.headers_timeout (or 0)');
  try {
    AddressSet.parse(config.server.trusted_proxies.split(','));
  } catch (err) {
    throw new ConfigError('server.trusted_proxies', (err as Error).message);
  }
  try {
    OutboundPolicy.fromSetting(config.outbound.allow);
  } catch (err) {
    throw new ConfigError('outbound.allow', (err as Error).message.replace(/^outbound\.allow: /, ''));
  }
  if (Boolean(config.tls.cert) !== Boolean(config.tls.key))
    throw new ConfigError(config.tls.cert ? 'tls.key' : 'tls.cert', 'tls.cert and tls.key go together');
}

function validate(config: ServerConfig): void {
  validateAuth(config.auth);
  validateServing(config);
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
  if (config.storage.driver === 's3') {
    if (!config.storage.s3.bucket) throw new ConfigError('storage.s3.bucket', 'required when storage.driver is s3');
    if (config.storage.s3.endpoint && !/^https?:\/\//.test(config.storage.s3.endpoint)) {
      throw new ConfigError('storage.s3.endpoint', 'must start with http:// or https://');
    }
  }
  validateBounds(config);
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

/** The address policy for outbound connections made on a user's behalf. */
export const outboundPolicy = (config: ServerConfig) => OutboundPolicy.fromSetting(config.outbound.allow);
