/** Server settings: defaults, overridden by environment (BERTH_*), then by CLI flags. */
import { join, resolve } from 'node:path';

export interface ServerConfig {
  host: string;
  port: number;
  /** Folder for the filesystem driver and the SQLite database. */
  dataDir: string;
  logLevel: string;
  /**
   * Authentication and access control on /v2 and the API. Off only when asked
   * (BERTH_AUTH=off, `--no-auth`); a config built without this field (tests
   * building the app in-process) keeps open access.
   */
  auth?: boolean;
  /** Password of the `admin` account created on first start (BERTH_ADMIN_PASSWORD); generated when unset. */
  adminPassword?: string;
  /** Absolute URL of /service/token announced in challenges (BERTH_TOKEN_REALM); default: from the request's Host. */
  tokenRealm?: string;
  /** Registry token lifetime in seconds (BERTH_TOKEN_TTL, default 300). */
  tokenTtl?: number;
  /** Failed logins allowed per address and account in 5 minutes (BERTH_LOGIN_MAX_FAILURES, default 10). */
  loginMaxFailures?: number;
  /** LDAP logins (BERTH_LDAP_URL and friends); off when absent. */
  /** OIDC logins (BERTH_OIDC_ISSUER and friends); off when absent. */
  oidc?: {
    issuer: string;
    clientId: string;
    clientSecret: string;
    redirectUri: string;
    scope?: string;
    userClaim?: string;
  };
  ldap?: {
    url: string;
    bindDn?: string;
    bindPassword?: string;
    baseDn: string;
    filter?: string;
    uidAttribute?: string;
  };
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

function positive(value: string, key: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(key, `not a positive integer: ${value}`);
  return n;
}

function authSwitch(flag: boolean | undefined, value: string | undefined): boolean {
  if (flag === false) return false;
  if (value === undefined || value === '') return true;
  if (/^(on|true|1|yes)$/i.test(value)) return true;
  if (/^(off|false|0|no)$/i.test(value)) return false;
  throw new ConfigError('BERTH_AUTH', `expected on or off, not ${value}`);
}

function oidcConfig(env: NodeJS.ProcessEnv): ServerConfig['oidc'] {
  if (!env.BERTH_OIDC_ISSUER) return undefined;
  for (const key of ['BERTH_OIDC_CLIENT_ID', 'BERTH_OIDC_CLIENT_SECRET', 'BERTH_OIDC_REDIRECT_URL'])
    if (!env[key]) throw new ConfigError(key, 'required with BERTH_OIDC_ISSUER');
  return {
    issuer: env.BERTH_OIDC_ISSUER,
    clientId: env.BERTH_OIDC_CLIENT_ID as string,
    clientSecret: env.BERTH_OIDC_CLIENT_SECRET as string,
    redirectUri: env.BERTH_OIDC_REDIRECT_URL as string,
    scope: env.BERTH_OIDC_SCOPE || undefined,
    userClaim: env.BERTH_OIDC_USER_CLAIM || undefined,
  };
}

function ldapConfig(env: NodeJS.ProcessEnv): ServerConfig['ldap'] {
  if (!env.BERTH_LDAP_URL) return undefined;
  if (!env.BERTH_LDAP_BASE_DN) throw new ConfigError('BERTH_LDAP_BASE_DN', 'required with BERTH_LDAP_URL');
  return {
    url: env.BERTH_LDAP_URL,
    bindDn: env.BERTH_LDAP_BIND_DN || undefined,
    bindPassword: env.BERTH_LDAP_BIND_PASSWORD || undefined,
    baseDn: env.BERTH_LDAP_BASE_DN,
    filter: env.BERTH_LDAP_FILTER || undefined,
    uidAttribute: env.BERTH_LDAP_UID || undefined,
  };
}

export function loadConfig(
  flags: Partial<Record<'host' | 'port' | 'data' | 'logLevel', string>> & { auth?: boolean },
  env = process.env,
): ServerConfig {
  return {
    auth: authSwitch(flags.auth, env.BERTH_AUTH),
    adminPassword: env.BERTH_ADMIN_PASSWORD || undefined,
    tokenRealm: env.BERTH_TOKEN_REALM || undefined,
    tokenTtl: env.BERTH_TOKEN_TTL ? positive(env.BERTH_TOKEN_TTL, 'BERTH_TOKEN_TTL') : undefined,
    ldap: ldapConfig(env),
    oidc: oidcConfig(env),
    loginMaxFailures: env.BERTH_LOGIN_MAX_FAILURES
      ? positive(env.BERTH_LOGIN_MAX_FAILURES, 'BERTH_LOGIN_MAX_FAILURES')
      : undefined,
    host: flags.host ?? env.BERTH_HOST ?? '0.0.0.0',
    port: flags.port !== undefined ? port(flags.port, '--port') : port(env.BERTH_PORT ?? '5000', 'BERTH_PORT'),
    dataDir: resolve(flags.data ?? env.BERTH_DATA ?? 'data'),
    logLevel: flags.logLevel ?? env.BERTH_LOG_LEVEL ?? 'info',
  };
}

export const storageDir = (config: ServerConfig) => join(config.dataDir, 'storage');
export const databaseFile = (config: ServerConfig) => join(config.dataDir, 'berth.db');
export const tokenKeyFile = (config: ServerConfig) => join(config.dataDir, 'keys', 'token-es256.jwk');
