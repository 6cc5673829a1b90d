/**
 * Registry connections: a registry that clusters pull from, with the
 * credentials they pull with. Validation here is the single place the API,
 * CLI and console get their error messages from.
 */

export const CONNECTION_TYPES = ['berth', 'harbor', 'docker-registry', 'acr', 'oci'] as const;
export type ConnectionType = (typeof CONNECTION_TYPES)[number];

export interface RegistryConnection {
  name: string;
  type: ConnectionType;
  /** Always with its scheme: `https://reg.example.com` or `http://10.0.0.5:8080`. */
  address: string;
  username: string;
  password: string;
  email?: string;
}

export interface FieldError {
  field: keyof RegistryConnection;
  message: string;
}

const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
// Docker config hosts are compared without a trailing slash.
const HOSTPORT_RE = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?)(:\d{1,5})?$/;

/** Every problem with `input`, each naming its field; empty when valid. */
export function validateConnection(input: Partial<Record<keyof RegistryConnection, unknown>>): FieldError[] {
  const errors: FieldError[] = [];
  const { name, type, address, username, password, email } = input;

  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    errors.push({
      field: 'name',
      message: 'name must be 1-63 lowercase letters, digits or "-", starting and ending with a letter or digit',
    });
  }
  if (typeof type !== 'string' || !(CONNECTION_TYPES as readonly string[]).includes(type)) {
    errors.push({ field: 'type', message: `type must be one of ${CONNECTION_TYPES.join(', ')}` });
  }
  const addressError = checkAddress(address);
  if (addressError) errors.push({ field: 'address', message: addressError });

  if (typeof username !== 'string' || username.length === 0) {
    errors.push({ field: 'username', message: 'username is required' });
  } else if (username.includes(':')) {
    // The docker `auth` field is base64("user:password"): a colon in the user is ambiguous.
    errors.push({ field: 'username', message: 'username must not contain ":"' });
  } else if (hasControlCharacter(username)) {
    errors.push({ field: 'username', message: 'username must not contain control characters' });
  }
  if (typeof password !== 'string' || password.length === 0) {
    errors.push({ field: 'password', message: 'password is required' });
  }
  if (email !== undefined && email !== '' && (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email))) {
    errors.push({ field: 'email', message: 'email must look like name@domain' });
  }
  return errors;
}

/**
 * Null when `address` is a usable registry address, else why not. As with
 * `kubectl create secret docker-registry --docker-server`, the scheme may be
 * left out (`reg.example.com:5000`: HTTPS is assumed for the probes); the
 * pull secret's key is the address exactly as given.
 */
export function checkAddress(address: unknown): string | null {
  if (typeof address !== 'string' || address.length === 0) {
    return 'address is required, e.g. https://reg.example.com or reg.example.com:5000';
  }
  if (address.trim() !== address || /\s/.test(address)) return 'address must not contain spaces';
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(address);
  if (scheme && !/^https?$/i.test(scheme[1]!)) {
    return `address must start with https:// or http:// or name only the host (got "${address}"); for example https://${address.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')}`;
  }
  let url: URL;
  try {
    url = addressUrl(address);
  } catch {
    return `address "${address}" is not a valid URL`;
  }
  if (url.username || url.password) return 'address must not contain credentials; use username and password';
  if (url.search || url.hash) return 'address must not contain a query or fragment';
  const hostport = address.slice(scheme ? scheme[0].length : 0).split('/')[0] ?? '';
  if (!HOSTPORT_RE.test(hostport)) return `address has an invalid host "${hostport}"`;
  return null;
}

/** The address as a URL: HTTPS when it names no scheme (as the kubelet and docker assume). */
export function addressUrl(address: string): URL {
  return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `https://${address}`);
}

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Throws one error listing every problem; returns the connection normalised. */
export function parseConnection(input: Partial<Record<keyof RegistryConnection, unknown>>): RegistryConnection {
  const errors = validateConnection(input);
  if (errors.length > 0) throw new ConnectionInvalidError(errors);
  const conn: RegistryConnection = {
    name: input.name as string,
    type: input.type as ConnectionType,
    // Kept exactly as given: it is the pull secret's key, byte for byte what kubectl
    // writes (`https://index.docker.io/v1/` keeps its `/v1/`, or kubelet ignores it).
    address: input.address as string,
    username: input.username as string,
    password: input.password as string,
  };
  if (typeof input.email === 'string' && input.email !== '') conn.email = input.email;
  return conn;
}

export class ConnectionInvalidError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    this.name = 'ConnectionInvalidError';
  }
}

/**
 * The address as a comparable URL: scheme (https when absent) and host
 * lower-cased, no trailing slash, any path kept. For mirrors and comparisons,
 * never for the pull secret's key.
 */
export function normaliseAddress(address: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `https://${address}`;
  const m = /^([a-zA-Z]+):\/\/([^/]+)(.*)$/.exec(withScheme);
  if (!m) return address;
  const path = (m[3] ?? '').replace(/\/+$/, '');
  return `${m[1]!.toLowerCase()}://${m[2]!.toLowerCase()}${path}`;
}

/** `reg.example.com:8443` for `https://reg.example.com:8443/v2`: what image references name. */
export function registryHost(address: string): string {
  return addressUrl(address).host;
}

export function isPlainHttp(address: string): boolean {
  return address.toLowerCase().startsWith('http://');
}
