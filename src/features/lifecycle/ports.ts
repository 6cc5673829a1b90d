/**
 * The storage-lifecycle ports: what garbage collection, quotas, immutable
 * tag rules and tag history need from the metadata store. The SQL adapter is
 * src/adapters/metadata/lifecycle-store.ts (SQLite and PostgreSQL); retention's is retention-store.ts.
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

// ------------------------------------------------------------ tag retention (Harbor's /retentions; migration 0110_retention)

export const TEMPLATES = [
  'latestPushedK',
  'latestPulledN',
  'nDaysSinceLastPush',
  'nDaysSinceLastPull',
  'always',
] as const;
export type Template = (typeof TEMPLATES)[number];

export interface RetentionRule {
  id?: number;
  priority?: number;
  disabled: boolean;
  action: 'retain';
  template: Template;
  /** `{ [template]: n }` for the counted templates; `{}` for `always`. */
  params: Record<string, number>;
  tag_selectors: Selector[];
  scope_selectors: { repository: Selector[] };
}

export interface RetentionPolicy {
  algorithm: 'or';
  rules: RetentionRule[];
  trigger: { kind: 'Schedule'; settings: { cron: string }; references?: Record<string, unknown> };
  scope: { level: 'project'; ref: number };
}

export interface RetentionPolicyRow {
  id: number;
  projectId: number;
  projectName: string;
  policy: RetentionPolicy;
  createdAt: string;
  updatedAt: string;
}

export type RunStatus = 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped';

export interface RetentionExecution {
  id: number;
  policyId: number;
  status: RunStatus;
  trigger: 'Manual' | 'Schedule';
  dryRun: boolean;
  startTime: string;
  endTime: string | null;
}

export interface RetentionTask {
  id: number;
  executionId: number;
  repository: string;
  status: RunStatus;
  total: number;
  retained: number;
  startTime: string;
  endTime: string | null;
  log: string;
  /** The artifact whose removal started and is not yet logged (a crash in between leaves it set). */
  pending: string | null;
}

/** A top-level artifact of a repository (index children and referrers go with their parent). */
export interface Candidate {
  digest: string;
  tags: string[];
  pushedAt: string;
  pulledAt: string | null;
}

export interface RetentionStore {
  /** Null when the project already has a policy. */
  createPolicy(projectId: number, projectName: string, policy: RetentionPolicy): Promise<RetentionPolicyRow | null>;
  policy(id: number): Promise<RetentionPolicyRow | null>;
  policyOfProject(projectId: number): Promise<RetentionPolicyRow | null>;
  policies(): Promise<RetentionPolicyRow[]>;
  updatePolicy(id: number, policy: RetentionPolicy): Promise<void>;
  /** Its executions and tasks go too. */
  deletePolicy(id: number): Promise<boolean>;

  /** A new Running execution; null when one of the policy is still running. */
  createExecution(
    policyId: number,
    trigger: RetentionExecution['trigger'],
    dryRun: boolean,
  ): Promise<RetentionExecution | null>;
  execution(id: number): Promise<RetentionExecution | null>;
  executions(policyId: number, offset: number, limit: number): Promise<{ items: RetentionExecution[]; total: number }>;
  /** Ends an execution unless it already ended (a stop wins over the runner's own end). */
  finishExecution(id: number, status: RunStatus): Promise<void>;

  /** A Running task whose log starts with `header`. */
  addTask(executionId: number, repository: string, header: string): Promise<number>;
  /** Notes the artifact about to be removed, before its removal. */
  taskPending(id: number, digest: string): Promise<void>;
  /** One artifact decided: its log line appended, counted (retained or not), and `pending` cleared, at once. */
  taskProgress(id: number, line: string, retained: boolean): Promise<void>;
  finishTask(id: number, status: RunStatus): Promise<void>;
  tasks(executionId: number, offset: number, limit: number): Promise<{ items: RetentionTask[]; total: number }>;
  task(id: number): Promise<RetentionTask | null>;

  /** Repositories of a project (`p` and `p/…`). */
  repositories(projectName: string): Promise<string[]>;
  candidates(repository: string): Promise<Candidate[]>;
}
