/**
 * What makes a project a proxy cache (an upstream registry) or a group (an
 * ordered list of member projects). Kysely adapter:
 * `src/adapters/metadata/proxy-store.ts` (migration `0201_proxy_projects`).
 */
export interface ProxySettings {
  project: string;
  /** The upstream registry of a proxy-cache project; null for a group. */
  registryId: number | null;
  /** The member projects of a group, in priority order; null for a proxy cache. */
  members: string[] | null;
}

export interface ProxyStore {
  list(): Promise<ProxySettings[]>;
  get(project: string): Promise<ProxySettings | null>;
  put(settings: ProxySettings): Promise<void>;
  delete(project: string): Promise<void>;
  /** Manifests under `project/` last pulled (or, never pulled, cached) before `before` (ISO time). */
  unusedManifests(
    project: string,
    before: string,
    limit: number,
  ): Promise<Array<{ repository: string; digest: string }>>;
}
