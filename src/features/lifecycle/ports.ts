/**
 * The storage-lifecycle ports: what garbage collection, quotas, immutable
 * tag rules and tag history need from the metadata store. The SQL adapter is
 * src/adapters/metadata/lifecycle-store.ts (SQLite and PostgreSQL).
 */

export interface GcParameters {
  deleteUntagged: boolean;
  dryRun: boolean;
  /** Storage deletions in flight at once (S3 DeleteObjects calls of up to 1,000 keys). */
  workers: number;
  /** Grace window in hours: blobs and manifests younger than this are kept. */
  timeWindowHours: number;
}

export type GcStatus = 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped';

export interface GcRun {
  id: number;
  status: GcStatus;
  trigger: 'Manual' | 'Schedule';
  parameters: GcParameters;
  blobsDeleted: number;
  bytesFreed: number;
  manifestsDeleted: number;
  uploadsPurged: number;
  createdAt: string;
  updatedAt: string;
}

export interface GcCounts {
  blobsDeleted: number;
  bytesFreed: number;
  manifestsDeleted: number;
  uploadsPurged: number;
}

export interface BlobRow {
  digest: string;
  size: number;
}

export interface ManifestNode {
  repository: string;
  digest: string;
  subject: string | null;
  createdAt: string;
}

export interface Schedule {
  name: string;
  type: string;
  cron: string;
  parameters: Record<string, unknown>;
  lastFired: string | null;
  updatedAt: string;
}

export interface GcStore {
  /** A new Pending run; null when another run is Pending or Running. */
  createRun(trigger: GcRun['trigger'], parameters: GcParameters): Promise<GcRun | null>;
  run(id: number): Promise<GcRun | null>;
  listRuns(offset: number, limit: number): Promise<{ items: GcRun[]; total: number }>;
  activeRun(): Promise<GcRun | null>;
  setStatus(id: number, status: GcStatus): Promise<void>;
  addCounts(id: number, counts: Partial<GcCounts>): Promise<void>;
  appendLog(id: number, text: string): Promise<void>;
  log(id: number): Promise<string | null>;

  // mark
  manifestNodes(): Promise<ManifestNode[]>;
  /** [repository, parent, child] of index children. */
  manifestEdges(): Promise<[string, string, string][]>;
  tagged(): Promise<[string, string][]>;
  /** [repository, digest] named by the last `keep` history entries of each tag. */
  historyKept(keep: number): Promise<[string, string][]>;
  /** Deletes an untagged manifest nothing names any more; false when it gained a tag or parent. */
  deleteManifestIfUnreachable(repository: string, digest: string, cutoff: string): Promise<boolean>;
  countBlobCandidates(cutoff: string): Promise<{ count: number; bytes: number }>;
  blobCandidates(cutoff: string, after: string, limit: number): Promise<BlobRow[]>;

  // sweep
  /** Step 1 (committed): tombstones first, so a link made from now on waits for the outcome. */
  tombstone(runId: number, blobs: BlobRow[]): Promise<void>;
  /** Step 2 (one transaction): forgets the blobs still unreferenced; the others' tombstones go. */
  forgetUnreferenced(digests: string[], cutoff: string): Promise<BlobRow[]>;
  /** Step 3: after the bytes are deleted. */
  clearTombstones(digests: string[]): Promise<void>;
  /** Tombstones left by a crashed run: `deleted` ones still need their bytes removed. */
  leftoverTombstones(): Promise<(BlobRow & { deleted: boolean })[]>;
  isTombstoned(digests: string[]): Promise<string[]>;
  /** A manifest push about to name `digests`: no run takes them until the intent is dropped (or expires). */
  addIntent(digests: string[]): Promise<number[]>;
  dropIntent(ids: number[]): Promise<void>;
  blobsRecorded(digests: string[]): Promise<string[]>;

  // schedules
  schedule(name: string): Promise<Schedule | null>;
  setSchedule(name: string, type: string, cron: string, parameters: Record<string, unknown>): Promise<void>;
  deleteSchedule(name: string): Promise<void>;
  /** Claims a schedule's firing for `minute` (once across nodes); false when already fired. */
  claimFiring(name: string, minute: string): Promise<boolean>;
  schedules(): Promise<Schedule[]>;
}

export interface QuotaRow {
  projectId: number;
  projectName: string;
  hardStorage: number;
  createdAt: string;
  updatedAt: string;
}

export interface ProjectUsage {
  /** Bytes stored for the project, each blob once (dedup within the project). */
  physical: number;
  /** Sum of the tagged images' sizes (manifest and every blob it names), as if nothing were shared. */
  logical: number;
}

export interface ImmutableRuleRow {
  id: number;
  projectId: number;
  projectName: string;
  disabled: boolean;
  priority: number;
  /** Harbor's rule body (template, tag_selectors, scope_selectors, action, params). */
  rule: ImmutableRuleBody;
  createdAt: string;
}

export interface Selector {
  kind: string;
  decoration: string;
  pattern: string;
  extras?: string;
}

export interface ImmutableRuleBody {
  action: string;
  template: string;
  params: Record<string, unknown>;
  tag_selectors: Selector[];
  scope_selectors: Record<string, Selector[]>;
}

export interface HistoryEntry {
  digest: string;
  at: string;
  actor: string | null;
  operation: 'push' | 'move' | 'delete' | 'rollback' | 'retention';
}

export interface LifecycleStore {
  quota(projectId: number): Promise<QuotaRow | null>;
  quotaByName(projectName: string): Promise<QuotaRow | null>;
  quotas(): Promise<QuotaRow[]>;
  setQuota(projectId: number, projectName: string, hardStorage: number): Promise<QuotaRow>;
  /** Usage of repositories `project` and `project/…`. */
  usage(projectName: string): Promise<ProjectUsage>;
  registryUsage(): Promise<ProjectUsage>;
  /** Whether `digest` is linked to a repository of the project other than through `except`. */
  linkedInProject(projectName: string, digest: string): Promise<boolean>;

  immutableRules(projectName: string): Promise<ImmutableRuleRow[]>;
  immutableRule(id: number): Promise<ImmutableRuleRow | null>;
  addImmutableRule(row: Omit<ImmutableRuleRow, 'id' | 'createdAt'>): Promise<ImmutableRuleRow>;
  updateImmutableRule(id: number, disabled: boolean, priority: number, rule: ImmutableRuleBody): Promise<void>;
  deleteImmutableRule(id: number): Promise<boolean>;

  recordHistory(repository: string, tag: string, entry: HistoryEntry): Promise<void>;
  history(repository: string, tag: string, limit: number): Promise<HistoryEntry[]>;
}
