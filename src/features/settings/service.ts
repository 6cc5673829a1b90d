/**
 * System settings with their rules: which keys exist, which an administrator
 * may change, their bounds, and their defaults (from the configuration file).
 * Reads are cached for a few seconds so the token endpoint does not hit the
 * database per request; every node sees a change within that time.
 */
import type { SettingsStore } from './store.ts';

export type AuthMode = 'db_auth' | 'ldap_auth' | 'oidc_auth';
export type CreationRestriction = 'everyone' | 'adminonly';

export interface SystemSettingsView {
  auth_mode: AuthMode;
  /** Minutes a registry token lives (Harbor's `token_expiration`). */
  token_expiration: number;
  project_creation_restriction: CreationRestriction;
  /** Berth's addition: the name the console shows for this registry. */
  registry_name: string;
}

export interface SettingsChange {
  token_expiration?: number;
  project_creation_restriction?: string;
  registry_name?: string;
  auth_mode?: unknown;
}

export class SettingsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

export const EDITABLE: readonly string[] = ['token_expiration', 'project_creation_restriction', 'registry_name'];

const CACHE_MS = 5_000;
const MAX_TOKEN_MINUTES = 24 * 60;

export class SettingsService {
  private cached: { at: number; view: SystemSettingsView } | null = null;

  constructor(
    private readonly store: SettingsStore,
    private readonly defaults: { authMode: AuthMode; tokenSeconds: number },
    /** Told the token lifetime in seconds after each read (the configured one until an administrator sets one). */
    private readonly onTokenSeconds?: (seconds: number) => void,
  ) {}

  async view(now = Date.now()): Promise<SystemSettingsView> {
    if (this.cached && now - this.cached.at < CACHE_MS) return this.cached.view;
    const stored = await this.store.allSettings();
    const minutes = Number(stored.token_expiration);
    const set = Number.isInteger(minutes) && minutes > 0;
    const view: SystemSettingsView = {
      auth_mode: this.defaults.authMode,
      token_expiration: set ? minutes : Math.max(1, Math.round(this.defaults.tokenSeconds / 60)),
      project_creation_restriction: stored.project_creation_restriction === 'adminonly' ? 'adminonly' : 'everyone',
      registry_name: stored.registry_name ?? 'Berth',
    };
    this.cached = { at: now, view };
    this.onTokenSeconds?.(set ? minutes * 60 : this.defaults.tokenSeconds);
    return view;
  }

  /** Checks every field before writing any; `auth_mode` is set by the configuration file, not here. */
  async update(change: SettingsChange): Promise<SystemSettingsView> {
    if (change.auth_mode !== undefined && change.auth_mode !== this.defaults.authMode)
      throw new SettingsError('auth_mode', 'auth_mode follows the server configuration (auth.ldap, auth.oidc)');
    const values: Record<string, string> = {};
    if (change.token_expiration !== undefined) {
      const m = change.token_expiration;
      if (!Number.isInteger(m) || m < 1 || m > MAX_TOKEN_MINUTES)
        throw new SettingsError('token_expiration', `token_expiration must be 1 to ${MAX_TOKEN_MINUTES} minutes`);
      values.token_expiration = String(m);
    }
    if (change.project_creation_restriction !== undefined) {
      const r = change.project_creation_restriction;
      if (r !== 'everyone' && r !== 'adminonly')
        throw new SettingsError(
          'project_creation_restriction',
          'project_creation_restriction is everyone or adminonly',
        );
      values.project_creation_restriction = r;
    }
    if (change.registry_name !== undefined) {
      const name = change.registry_name.trim();
      if (!name || name.length > 64)
        throw new SettingsError('registry_name', 'registry_name must be 1 to 64 characters');
      values.registry_name = name;
    }
    if (Object.keys(values).length > 0) await this.store.putSettings(values);
    this.cached = null;
    return this.view();
  }

  description(repository: string): Promise<string | null> {
    return this.store.description(repository);
  }

  async setDescription(repository: string, text: string): Promise<void> {
    if (text.length > 64 * 1024) throw new SettingsError('description', 'description is at most 64 KiB');
    await this.store.setDescription(repository, text);
  }
}
