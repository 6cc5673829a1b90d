/** Who is signed in, as the server sees it. */
import { ApiError, adoptSessionToken, request, signIn, signOut } from './api.ts';

export interface CurrentUser {
  username: string;
  sysadmin_flag?: boolean;
  user_id?: number;
}

export interface SystemInfo {
  auth_mode?: string;
  oidc_provider_name?: string;
  harbor_version?: string;
  berth_version?: string;
  storage_driver?: string;
}

export type AuthState =
  | { kind: 'loading' }
  | { kind: 'signed-in'; user: CurrentUser }
  /** The server has no identity module: everything is open. */
  | { kind: 'open' }
  | { kind: 'anonymous' };

export async function loadAuth(): Promise<AuthState> {
  try {
    const { data } = await request<CurrentUser>('/users/current');
    return { kind: 'signed-in', user: data };
  } catch (err) {
    if (err instanceof ApiError && err.absent) return { kind: 'open' };
    if (err instanceof ApiError && err.status === 401) {
      signOut();
      return { kind: 'anonymous' };
    }
    return { kind: 'anonymous' };
  }
}

/** Checks credentials against the server; keeps them only when they work. */
export async function login(username: string, password: string): Promise<AuthState> {
  const session = signIn(username, password);
  try {
    const { data } = await request<CurrentUser>('/users/current', { authorization: session.authorization });
    return { kind: 'signed-in', user: data };
  } catch (err) {
    if (err instanceof ApiError && err.absent) return { kind: 'open' };
    signOut();
    throw err;
  }
}

/**
 * Finishes an OIDC login: the server's callback sends the browser to
 * `/login#token=…&username=…`. Null when the address carries no token.
 */
export async function loginFromRedirect(hash: string): Promise<AuthState | null> {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('token');
  if (!token) return null;
  history.replaceState(null, '', location.pathname + location.search);
  const session = adoptSessionToken(params.get('username') ?? '', token);
  try {
    const { data } = await request<CurrentUser>('/users/current', { authorization: session.authorization });
    return { kind: 'signed-in', user: data };
  } catch (err) {
    signOut();
    throw err;
  }
}
