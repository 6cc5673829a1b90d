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

/**
 * The console signs in through a server session: an HttpOnly cookie the
 * page cannot read, plus a CSRF token (cookie `berth_csrf`) it echoes on
 * every write. No password or token is kept in the browser's storage.
 */
export interface SessionInfo {
  auth: 'on' | 'off';
  oidc: boolean;
  signed_in: boolean;
  username?: string;
  csrf_token?: string;
}

function csrfToken(): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === 'berth_csrf') return decodeURIComponent(v.join('='));
  }
  return undefined;
}

async function sessionCall<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const csrf = csrfToken();
  if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', `cannot reach the server: ${(err as Error).message}`);
  }
  const data = (await res.json().catch(() => null)) as T & { errors?: { code?: string; message?: string }[] };
  if (!res.ok) {
    const first = data?.errors?.[0];
    throw new ApiError(res.status, first?.code ?? `HTTP_${res.status}`, first?.message ?? res.statusText);
  }
  return data;
}

/** Who the server's session says is signed in, and how sign-in works here. */
export const sessionInfo = () => sessionCall<SessionInfo>('GET', '/c/session');

/** Opens a server session; the password goes to the server once and is not kept. */
export const signIn = (username: string, password: string) =>
  sessionCall<{ username: string }>('POST', '/c/login', { username, password });

/** Ends the session on the server (the cookie stops working everywhere it was copied). */
export async function signOut(): Promise<void> {
  await sessionCall('POST', '/c/log_out').catch(() => undefined);
}

export interface ApiResult<T> {
  data: T;
  /** X-Total-Count, when the answer is a page of a list. */
  total: number | null;
}

export async function request<T>(
  path: string,
  init: { method?: string; body?: unknown; text?: boolean } = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: init.text ? '*/*' : 'application/json' };
  const method = init.method ?? 'GET';
  const csrf = csrfToken();
  if (csrf && method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = csrf;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/api/v2.0${path}`, {
      method,
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
    if (res.status === 401) window.dispatchEvent(new CustomEvent('berth:unauthorized'));
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
export const patch = <T>(path: string, body: unknown) =>
  request<T>(path, { method: 'PATCH', body }).then((r) => r.data);
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
