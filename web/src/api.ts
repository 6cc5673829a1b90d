/**
 * The console's only way to the server: fetch against /api/v2.0 with the
 * signed-in user's credentials, errors in Harbor's shape turned into ApiError.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request field at fault, when the server names one (e.g. `address`). */
    readonly field?: string,
  ) {
    super(message);
  }

  /** The endpoint does not exist on this server (a module not installed yet). */
  get absent(): boolean {
    return this.status === 404 && this.message.startsWith('no such endpoint');
  }
}

const KEY = 'berth.credentials';

export interface Session {
  username: string;
  /** `Basic …` (local and LDAP accounts) or `Bearer …` (an OIDC session) header value. */
  authorization: string;
}

let session: Session | null = (() => {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
})();

export function currentSession(): Session | null {
  return session;
}

export function signIn(username: string, password: string): Session {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  session = { username, authorization: `Basic ${btoa(String.fromCharCode(...bytes))}` };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

/** A session token from an OIDC login (a Bearer token for the management API). */
export function adoptSessionToken(username: string, token: string): Session {
  session = { username, authorization: `Bearer ${token}` };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function signOut(): void {
  session = null;
  sessionStorage.removeItem(KEY);
}

export interface ApiResult<T> {
  data: T;
  /** X-Total-Count, when the answer is a page of a list. */
  total: number | null;
}

export async function request<T>(
  path: string,
  init: { method?: string; body?: unknown; authorization?: string; text?: boolean } = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: init.text ? '*/*' : 'application/json' };
  const authorization = init.authorization ?? session?.authorization;
  if (authorization) headers.authorization = authorization;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/api/v2.0${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: 'same-origin',
    });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', `cannot reach the server: ${(err as Error).message}`);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (!res.ok) {
    const first = (body as { errors?: { code?: string; message?: string; field?: string }[] } | null)?.errors?.[0];
    const error = new ApiError(
      res.status,
      first?.code ?? `HTTP_${res.status}`,
      first?.message ?? res.statusText,
      first?.field,
    );
    if (res.status === 401 && !init.authorization) window.dispatchEvent(new CustomEvent('berth:unauthorized'));
    throw error;
  }
  const total = res.headers.get('x-total-count');
  return { data: (init.text ? text : body) as T, total: total === null ? null : Number(total) };
}

export const get = <T>(path: string) => request<T>(path).then((r) => r.data);
/** The response body exactly as sent (YAML, TOML, or JSON to show byte for byte). */
export const getText = (path: string) => request<string>(path, { text: true }).then((r) => r.data);
export const post = <T>(path: string, body: unknown) => request<T>(path, { method: 'POST', body }).then((r) => r.data);
export const put = <T>(path: string, body: unknown) => request<T>(path, { method: 'PUT', body }).then((r) => r.data);
export const del = (path: string) => request<unknown>(path, { method: 'DELETE' }).then(() => undefined);

/** `/projects/{p}/repositories/{r}` with the repository part encoded twice, as Harbor expects. */
export function repositoryPath(project: string, repository: string): string {
  const rest = repository === project ? repository : repository.slice(project.length + 1);
  return `/projects/${encodeURIComponent(project)}/repositories/${encodeURIComponent(encodeURIComponent(rest))}`;
}

/** Builds a query string, leaving out empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
