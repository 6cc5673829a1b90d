/**
 * Tag retention (Harbor's /retentions): a project's policy of OR'd rules,
 * its executions and their per-repository tasks. The SQL adapter is
 * src/adapters/metadata/retention-store.ts (migration 0110_retention).
 */
import type { Selector } from './ports.ts';

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

  addTask(executionId: number, repository: string): Promise<number>;
  finishTask(id: number, status: RunStatus, total: number, retained: number, log: string): Promise<void>;
  tasks(executionId: number, offset: number, limit: number): Promise<{ items: RetentionTask[]; total: number }>;
  task(id: number): Promise<RetentionTask | null>;

  /** Repositories of a project (`p` and `p/…`). */
  repositories(projectName: string): Promise<string[]>;
  candidates(repository: string): Promise<Candidate[]>;
}
