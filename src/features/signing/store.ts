/** The signing feature's store port; Kysely adapter in src/adapters/metadata/signing-store.ts (migration 0300_signing). */
import type { TrustedKeyRecord } from './trust.ts';

/** Harbor's project metadata switches: `enable_content_trust_cosign` and `enable_content_trust` (notation). */
export interface SigningPolicy {
  cosign: boolean;
  notation: boolean;
}

export type NewTrustedKey = Omit<TrustedKeyRecord, 'id' | 'createdAt'>;

export interface SigningStore {
  /** Keys of a project (`projectId`) or the registry-wide ones (null). */
  listKeys(projectId: number | null): Promise<TrustedKeyRecord[]>;
  /** null when the name is taken in that scope. */
  addKey(key: NewTrustedKey): Promise<TrustedKeyRecord | null>;
  deleteKey(projectId: number | null, id: number): Promise<boolean>;
  policy(projectId: number): Promise<SigningPolicy>;
  setPolicy(projectId: number, policy: SigningPolicy): Promise<void>;
  projectIdByName(name: string): Promise<number | null>;
  /** Digests of the indexes in `repository` that list `digest`. */
  parents(repository: string, digest: string): Promise<string[]>;
  /** A counter bumped by every change a verdict depends on (keys, policies, signatures), shared by all nodes. */
  version(): Promise<number>;
  bumpVersion(): Promise<number>;
}
