/** The replication feature's storage port; the Kysely adapter is src/adapters/metadata/replication-store.ts. */

export interface Filter {
  type: 'name' | 'tag' | 'label' | 'resource';
  value: string;
  /** `matches` (default) or `excludes`, for tag and label filters. */
  decoration: 'matches' | 'excludes';
}

export type TriggerType = 'manual' | 'scheduled' | 'event_based';

export interface PolicyRecord {
  id: number;
  name: string;
  description: string;
  /** Null: this Berth (push-based when the source is local). */
  srcRegistryId: number | null;
  destRegistryId: number | null;
  destNamespace: string;
  destNamespaceReplaceCount: number;
  filters: Filter[];
  trigger: { type: TriggerType; cron: string };
  replicateDeletion: boolean;
  override: boolean;
  enabled: boolean;
  /** KB/s; -1 or 0: unlimited. */
  speed: number;
  copyByChunk: boolean;
  createdAt: string;
  updatedAt: string;
}

export type NewPolicy = Omit<PolicyRecord, 'id' | 'createdAt' | 'updatedAt'>;

export type ExecutionStatus = 'InProgress' | 'Succeed' | 'Stopped' | 'Failed';
export type TaskStatus = 'Pending' | 'InProgress' | 'Succeed' | 'Stopped' | 'Failed';

export interface ExecutionRecord {
  id: number;
  policyId: number;
  status: ExecutionStatus;
  statusText: string;
  trigger: TriggerType;
  total: number;
  failed: number;
  succeed: number;
  inProgress: number;
  stopped: number;
  bytes: number;
  startTime: string;
  endTime: string | null;
}

/** Where a chunked blob copy got to: the target's upload session, resumed on the next attempt. */
export interface Checkpoint {
  digest: string;
  location: string;
  offset: number;
}

export interface TaskRecord {
  id: number;
  executionId: number;
  status: TaskStatus;
  operation: 'copy' | 'deletion';
  resourceType: string;
  srcResource: string;
  dstResource: string;
  attempts: number;
  /** Bytes sent to the target, over every attempt. */
  bytes: number;
  checkpoint: Checkpoint | null;
  log: string;
  startTime: string | null;
  endTime: string | null;
}

export type NewTask = Pick<TaskRecord, 'operation' | 'resourceType' | 'srcResource' | 'dstResource'>;

export interface TaskUpdate {
  status?: TaskStatus;
  attempts?: number;
  addBytes?: number;
  checkpoint?: Checkpoint | null;
  logLine?: string;
  started?: boolean;
  ended?: boolean;
}

export interface ReplicationStore {
  createPolicy(p: NewPolicy): Promise<number>;
  updatePolicy(id: number, p: NewPolicy): Promise<void>;
  deletePolicy(id: number): Promise<void>;
  policy(id: number): Promise<PolicyRecord | null>;
  policyByName(name: string): Promise<PolicyRecord | null>;
  policies(filter?: { name?: string }): Promise<PolicyRecord[]>;

  createExecution(policyId: number, trigger: TriggerType): Promise<number>;
  execution(id: number): Promise<ExecutionRecord | null>;
  executions(
    filter: { policyId?: number; status?: string; trigger?: string },
    slice: { offset: number; limit: number },
  ): Promise<{ total: number; items: ExecutionRecord[] }>;
  /** Sets the status (and end time when final) and recounts the tasks. */
  settleExecution(id: number, status: ExecutionStatus | null, statusText?: string): Promise<ExecutionRecord | null>;
  hasActiveExecution(policyId: number): Promise<boolean>;

  addTasks(executionId: number, tasks: NewTask[]): Promise<number[]>;
  task(id: number): Promise<TaskRecord | null>;
  tasks(
    executionId: number,
    filter: { status?: string; resourceType?: string },
    slice: { offset: number; limit: number },
  ): Promise<{ total: number; items: TaskRecord[] }>;
  updateTask(id: number, u: TaskUpdate): Promise<void>;
  /** Marks the not yet finished tasks of an execution Stopped. */
  stopTasks(executionId: number): Promise<void>;

  /** A repository at a target known to hold a blob (for cross-repository mounts). */
  blobHome(registryKey: string, digest: string): Promise<string | null>;
  setBlobHome(registryKey: string, digest: string, repository: string): Promise<void>;

  /** Claims the scheduled run of a policy for a second; true on exactly one node. */
  claimSchedule(policyId: number, second: string): Promise<boolean>;
}
