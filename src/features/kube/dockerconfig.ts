/**
 * Reading pull secrets the way the kubelet does: both secret types, keys with
 * or without a scheme (`https://reg.example.com`, `reg.example.com:5000`,
 * `https://index.docker.io/v1/`), matched against an image's registry host.
 */
import type { Secret } from './cluster.ts';
import { sameRegistryHost } from './imageref.ts';

export const DOCKER_CFG_TYPE = 'kubernetes.io/dockercfg';

export interface RegistryCredential {
  secretName: string;
  /** The key as written in the secret. */
  key: string;
  /** `http` or `https` when the key names one. */
  scheme?: 'http' | 'https';
  username: string;
  password: string;
}

interface AuthEntry {
  username?: string;
  password?: string;
  auth?: string;
}

/** Every credential in a pull secret; unreadable secrets yield none. */
export function credentialsIn(secret: Secret): RegistryCredential[] {
  const raw = secret.data?.['.dockerconfigjson'] ?? secret.data?.['.dockercfg'];
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch {
    return [];
  }
  // .dockerconfigjson wraps the map in "auths"; the legacy .dockercfg is the map itself.
  const auths = (secret.data?.['.dockerconfigjson'] ? (parsed as { auths?: unknown }).auths : parsed) as
    | Record<string, AuthEntry>
    | undefined;
  if (!auths || typeof auths !== 'object') return [];
  const out: RegistryCredential[] = [];
  for (const [key, entry] of Object.entries(auths)) {
    if (!entry || typeof entry !== 'object') continue;
    let { username = '', password = '' } = entry;
    if (entry.auth && !(username && password)) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon !== -1) [username, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    }
    const scheme = /^(https?):\/\//i.exec(key)?.[1]?.toLowerCase() as 'http' | 'https' | undefined;
    out.push({ secretName: secret.metadata.name, key, username, password, ...(scheme ? { scheme } : {}) });
  }
  return out;
}

/** The host (and port) a docker config key names. */
export function keyHost(key: string): string {
  const withoutScheme = key.replace(/^[a-z]+:\/\//i, '');
  return (withoutScheme.split('/')[0] ?? '').toLowerCase();
}

/**
 * Whether a key applies to `host`/`repository`. A key with a path (other than
 * the API version paths /v1/ and /v2/) applies only under that path, as in
 * the kubelet's keyring.
 */
export function keyMatches(key: string, host: string, repository: string): boolean {
  if (!sameRegistryHost(keyHost(key), host)) return false;
  const path = key
    .replace(/^[a-z]+:\/\//i, '')
    .split('/')
    .slice(1)
    .filter((p) => p !== '')
    .join('/');
  if (path === '' || path === 'v1' || path === 'v2') return true;
  return repository === path || repository.startsWith(`${path}/`);
}
