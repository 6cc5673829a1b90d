/**
 * Read-side queries for browsing the registry (the management API and the
 * console), and the daily traffic counters. Kept apart from MetadataStore so
 * that the registry's write path and its port stay small.
 */
import type { ManifestRecord } from './ports.ts';

/** `field` ascending or `-field` descending. */
export type SortOrder<F extends string> = { field: F; descending: boolean };

export interface Slice {
  offset: number;
  limit: number;
}

export interface Paged<T> {
  total: number;
  items: T[];
}

export interface RepositoryFilter {
  /** Only repositories of this project (first path segment). */
  project?: string;
  /** Substring of the name. */
  nameContains?: string;
  /** Exact name. */
  name?: string;
  /**
   * Only repositories of these projects (what the caller may see); absent:
   * every repository, those whose project has no row included.
   */
  projects?: readonly string[];
}

export type RepositorySortField = 'name' | 'creation_time' | 'update_time';

export interface RepositorySummary {
  name: string;
  artifactCount: number;
  createdAt: string;
  /** The newest push or tag change in the repository. */
  updatedAt: string;
  /** Manifest pulls (GET) so far, as flushed by the traffic recorder. */
  pullCount: number;
}

export interface ArtifactFilter {
  repository: string;
  /** Substring of one of its tags. */
  tagContains?: string;
  /** Exact tag. */
  tag?: string;
  /** Prefix of the digest (`sha256:ab…`). */
  digestPrefix?: string;
  /** Include the manifests an index refers to and the referrers of others (default: only top-level artifacts). */
  all?: boolean;
}

export type ArtifactSortField = 'push_time' | 'digest';

export interface TagInfo {
  name: string;
  digest: string;
  updatedAt: string;
}

export interface ProjectUsage {
  project: string;
  repositories: number;
  artifacts: number;
  /** Bytes of the distinct blobs and manifests stored for the project's repositories. */
  storage: number;
}

export interface RegistryStatistics {
  repositories: number;
  artifacts: number;
  /** Bytes of every stored blob and manifest, counted once. */
  storage: number;
  projects: ProjectUsage[];
}

export interface RecentPush {
  repository: string;
  digest: string;
  tag: string | null;
  at: string;
}

export interface CatalogQueries {
  listRepositories(
    filter: RepositoryFilter,
    sort: SortOrder<RepositorySortField>,
    slice: Slice,
  ): Promise<Paged<RepositorySummary>>;
  repositorySummary(name: string): Promise<RepositorySummary | null>;
  listArtifacts(
    filter: ArtifactFilter,
    sort: SortOrder<ArtifactSortField>,
    slice: Slice,
  ): Promise<Paged<ManifestRecord>>;
  /** Manifest bytes plus the bytes of what each manifest references, two levels deep (index → image → layers). */
  artifactSizes(repository: string, digests: string[]): Promise<Map<string, number>>;
  /** Up to `perArtifact` tags of each digest (by name) and how many there are. */
  tagsOf(
    repository: string,
    digests: string[],
    perArtifact: number,
  ): Promise<Map<string, { tags: TagInfo[]; count: number }>>;
  /** Tags of one artifact, paged. */
  listTags(repository: string, digest: string, slice: Slice): Promise<Paged<TagInfo>>;
  /** How many referrers each digest has in the repository. */
  referrerCounts(repository: string, digests: string[]): Promise<Map<string, number>>;
  /** The latest pull (ISO time) of each digest pulled at least once. */
  pullTimes(repository: string, digests: string[]): Promise<Map<string, string>>;
  /** The sizes of stored blobs (layers, configs). */
  blobSizes(digests: string[]): Promise<Map<string, number>>;
  /** Numbers over the repositories of `projects` (absent: every repository). */
  statistics(projects?: readonly string[]): Promise<RegistryStatistics>;
  /** The latest pushes and tag changes in the repositories of `projects` (absent: every repository). */
  recentPushes(limit: number, projects?: readonly string[]): Promise<RecentPush[]>;
}

export interface DailyTraffic {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  pushes: number;
  pulls: number;
}

/** Manifest pulls gathered between two flushes. */
export interface PullBatch {
  /** Pulls per repository, added to its counter. */
  repositories: { repository: string; pulls: number }[];
  /** The latest pull of each manifest (ISO time); an older time never replaces a newer one. */
  artifacts: { repository: string; digest: string; at: string }[];
}

export interface TrafficStore {
  /** Adds to the day's counters (creating the day). */
  addTraffic(entries: DailyTraffic[]): Promise<void>;
  /**
   * Adds to the repositories' pull counters and moves the manifests' latest
   * pull forward; additive, so several nodes may flush into one database.
   * Pulls of repositories or manifests deleted meanwhile are dropped.
   */
  addPulls(batch: PullBatch): Promise<void>;
  /** Days from `fromDay` on, oldest first; days without traffic are absent. */
  traffic(fromDay: string): Promise<DailyTraffic[]>;
}
