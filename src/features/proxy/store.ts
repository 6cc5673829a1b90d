/**
 * What makes a project a proxy cache (an upstream registry) or a group (an
 * ordered list of member projects). Kysely adapter:
 * `src/adapters/metadata/proxy-store.ts` (migrations `0201_proxy_projects`,
 * `0210_proxy_fills`).
 */
export interface ProxySettings {
  project: string;
  /** The upstream registry of a proxy-cache project; null for a group. */
  registryId: number | null;
  /** The member projects of a group, in priority order; null for a proxy cache. */
  members: string[] | null;
}

/**
 * Who is fetching a blob from an upstream, across the nodes sharing one
 * database: a lease with an expiry, renewed while the fetch runs, so a node
 * that dies mid-fetch frees it by ceasing to renew.
 */
export interface FillLeases {
  /**
   * Takes the lease on `digest` for `owner` until `until` (ISO time) when
   * nobody holds it or the holder's lease ended before `now`; returns the
   * holder afterwards (`owner` itself when taken).
   */
  claimFill(digest: string, owner: string, now: string, until: string): Promise<string>;
  /** Extends `owner`'s lease; false when it is no longer the holder. */
  renewFill(digest: string, owner: string, until: string): Promise<boolean>;
  /** Ends `owner`'s lease (no-op when another holds it). */
  releaseFill(digest: string, owner: string): Promise<void>;
}

export interface ProxyStore extends FillLeases {
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
