/**
 * The background job port. Jobs (GC, replication, scans, reconciles) are rows
 * in the metadata store, leased by whichever node claims them first; a lease
 * that runs out without completion makes the job claimable again.
 */
export interface Job {
  id: string;
  kind: string;
  payload: unknown;
  /** Claims so far, this one included. */
  attempts: number;
  owner: string;
  leaseUntil: string;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface JobInfo {
  id: string;
  kind: string;
  status: JobStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface JobQueue {
  enqueue(kind: string, payload: unknown, options?: { runAt?: Date; maxAttempts?: number }): Promise<string>;
  /** Claims the oldest due job of one of `kinds`, or an expired lease; null when none is due. */
  claim(owner: string, kinds: string[], leaseMs: number): Promise<Job | null>;
  /** Extends a lease still held by `owner`; false when it was lost. */
  extend(id: string, owner: string, leaseMs: number): Promise<boolean>;
  complete(id: string, owner: string): Promise<void>;
  /** Records a failure: the job is retried at `retryAt` until its attempts run out. */
  fail(id: string, owner: string, error: string, retryAt?: Date): Promise<void>;
  info(id: string): Promise<JobInfo | null>;
}
