/**
 * Upstream registries (Harbor's `/registries`): the endpoints proxy-cache
 * projects pull from and replication pushes to. A record holds the sealed
 * secret; views built from it never do.
 */

/** The adapter types Berth speaks; all use the one OCI/Docker v2 client. */
export const REGISTRY_TYPES = ['docker-registry', 'docker-hub', 'harbor', 'quay', 'github-ghcr'] as const;
export type RegistryType = (typeof REGISTRY_TYPES)[number];

/** Docker Hub's API host: `docker.io` names are served there. */
export const DOCKER_HUB_URL = 'https://registry-1.docker.io';

export interface RegistryRecord {
  id: number;
  name: string;
  type: RegistryType;
  /** Base URL without a trailing slash, e.g. `https://registry-1.docker.io`. */
  url: string;
  description: string;
  /** Skip TLS certificate verification (self-signed upstreams). */
  insecure: boolean;
  /** PEM CA bundle trusted for this endpoint instead of the system pool; null: system pool. */
  caCertificate: string | null;
  /** `basic` (username + password or token); null: anonymous. */
  credentialType: 'basic' | null;
  accessKey: string;
  /** SecretBox-sealed secret (context `registries/<id-less name>/secret`); '' when none. */
  accessSecretSealed: string;
  /** `healthy` / `unhealthy` / `unknown`: the last ping's outcome. */
  status: 'healthy' | 'unhealthy' | 'unknown';
  createdAt: string;
  updatedAt: string;
}

export type NewRegistry = Omit<RegistryRecord, 'id' | 'createdAt' | 'updatedAt'>;
export type RegistryPatch = Partial<
  Pick<
    RegistryRecord,
    | 'name'
    | 'url'
    | 'description'
    | 'insecure'
    | 'caCertificate'
    | 'credentialType'
    | 'accessKey'
    | 'accessSecretSealed'
    | 'status'
  >
>;

/** A registry endpoint with its secret in clear: what the client connects with (never stored, never returned). */
export interface RegistryEndpoint {
  type: RegistryType;
  url: string;
  insecure: boolean;
  caCertificate?: string | null;
  username?: string;
  password?: string;
}

export class RegistriesInvalidError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'RegistriesInvalidError';
  }
}

export class RegistriesNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistriesNotFoundError';
  }
}

export class RegistriesConflictError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'RegistriesConflictError';
  }
}

/** Normalises and checks a registry URL: http(s), no credentials, query or fragment; no trailing slash. */
export function normaliseUrl(raw: string, type: RegistryType): string {
  const text = raw.trim() || (type === 'docker-hub' ? DOCKER_HUB_URL : '');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RegistriesInvalidError('url', 'url must be an absolute http:// or https:// address');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new RegistriesInvalidError('url', 'url must start with http:// or https://');
  if (url.username || url.password)
    throw new RegistriesInvalidError('url', 'url must not carry credentials; use access_key/access_secret');
  if (url.search || url.hash) throw new RegistriesInvalidError('url', 'url must not have a query or fragment');
  // Docker Hub's web address serves no registry API.
  if (type === 'docker-hub' && /^(www\.)?(docker\.io|hub\.docker\.com|index\.docker\.io)$/.test(url.hostname))
    return DOCKER_HUB_URL;
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function isRegistryType(value: string): value is RegistryType {
  return (REGISTRY_TYPES as readonly string[]).includes(value);
}
