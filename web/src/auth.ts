/** Who is signed in, as the server sees it. */
import { ApiError, request, sessionInfo, signIn } from './api.ts';

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
    const session = await sessionInfo();
    if (session.auth === 'off') return { kind: 'open' };
    if (!session.signed_in) return { kind: 'anonymous' };
    const { data } = await request<CurrentUser>('/users/current');
    return { kind: 'signed-in', user: data };
  } catch (err) {
    if (err instanceof ApiError && err.absent) return { kind: 'open' };
    return { kind: 'anonymous' };
  }
}

/** Opens a server session with these credentials; nothing is kept in the browser but the session cookie. */
export async function login(username: string, password: string): Promise<AuthState> {
  await signIn(username, password);
  const { data } = await request<CurrentUser>('/users/current');
  return { kind: 'signed-in', user: data };
}
