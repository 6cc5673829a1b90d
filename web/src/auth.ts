/** Who is signed in, as the server sees it. */
import { ApiError, request, signIn, signOut } from './api.ts';

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
