/**
 * The persistence port of the Kubernetes feature: registry connections,
 * connection groups (mirrors), clusters, placements and the last sync state
 * of each copy. Credentials arrive here already sealed (SecretBox); the store
 * never sees a password or a kubeconfig in clear.
 */
import type { ConnectionCheck } from './connection-test.ts';
import type { ConnectionType } from './connections.ts';
import type { CopyState, ServiceAccountState } from './sync.ts';

/** The port carries the types its records name, so adapters import the port and nothing else. */
export type { ConnectionCheck, ConnectionType, CopyState, ServiceAccountState };

export interface ConnectionRecord {
  id: number;
  name: string;
  type: ConnectionType;
  address: string;
  username: string;
  /** SecretBox-sealed password (context: `kube/connection/<name>/password`). */
  passwordSealed: string;
  email: string | null;
  description: string;
  /** The project the connection belongs to; null: system-wide. */
  projectId: number | null;
  /** A Berth robot account whose secret this connection carries (kept current on rotation). */
  berthRobot: string | null;
  /** The last "Test connection" result; null when never tested. */
  lastTest: ConnectionTestRecord | null;
  createdAt: string;
  updatedAt: string;
}

export interface ConnectionTestRecord {
  ok: boolean;
  checks: ConnectionCheck[];
  /** ISO time of the test. */
  at: string;
}

export type NewConnection = Omit<ConnectionRecord, 'id' | 'createdAt' | 'updatedAt' | 'lastTest'>;
export type ConnectionPatch = Partial<
  Pick<ConnectionRecord, 'type' | 'address' | 'username' | 'passwordSealed' | 'email' | 'description' | 'berthRobot'>
>;

export interface GroupMember {
  connectionId: number;
  /** A proxy-cache project on that registry serving the upstream. */
  project?: string;
  /**
   * The registry is a Berth answering in mirror mode: containerd is pointed
   * at its root and sends `?ns=<upstream>`; CRI-O, which sends no `ns`, uses
   * `project` (by default the project Berth's BERTH_PROXY_MIRRORS binds to
   * the upstream).
   */
  nsMirror?: boolean;
}

export interface GroupRecord {
  id: number;
  name: string;
  /** The registry host images are named with: docker.io, ghcr.io, reg.local:5000. */
  upstream: string;
  upstreamInsecure: boolean;
  /** Mirrors in priority order. */
  members: GroupMember[];
  createdAt: string;
  updatedAt: string;
}

export type NewGroup = Omit<GroupRecord, 'id' | 'createdAt' | 'updatedAt'>;
export type GroupPatch = Partial<Pick<GroupRecord, 'upstream' | 'upstreamInsecure' | 'members'>>;

export interface ClusterRecord {
  id: number;
  name: string;
  /** SecretBox-sealed kubeconfig (context: `kube/cluster/<name>/kubeconfig`). */
  kubeconfigSealed: string;
  /** kubeconfig context to use; null: its current-context. */
  context: string | null;
  /** The API server URL, for display. */
  server: string;
  createdAt: string;
  updatedAt: string;
}

export type NewCluster = Omit<ClusterRecord, 'id' | 'createdAt' | 'updatedAt'>;

export interface PlacementRecord {
  id: number;
  connectionId: number;
  clusterId: number;
  secretName: string;
  namespaces: string[];
  serviceAccounts: string[];
  adopt: boolean;
  createdAt: string;
  updatedAt: string;
}

export type NewPlacement = Omit<PlacementRecord, 'id' | 'createdAt' | 'updatedAt'>;
export type PlacementPatch = Partial<Pick<PlacementRecord, 'namespaces' | 'serviceAccounts' | 'adopt'>>;

/** The last sync of one copy of a secret (one namespace of one placement). */
export interface CopyRecord {
  placementId: number;
  namespace: string;
  /** `pending` until the first sync. */
  state: CopyState | 'pending';
  message: string | null;
  /** credentialsFingerprint of the credentials last applied (null when never applied). */
  fingerprint: string | null;
  serviceAccounts: Array<{ name: string; state: ServiceAccountState; message?: string }>;
  syncedAt: string | null;
}

export interface KubeStore {
  /** Null when the name is taken. */
  createConnection(c: NewConnection): Promise<ConnectionRecord | null>;
  connectionById(id: number): Promise<ConnectionRecord | null>;
  connectionByName(name: string): Promise<ConnectionRecord | null>;
  listConnections(filter?: { berthRobot?: string }): Promise<ConnectionRecord[]>;
  updateConnection(id: number, patch: ConnectionPatch): Promise<ConnectionRecord | null>;
  /** Keeps the last test result (the connection's update time is left alone). */
  recordConnectionTest(id: number, test: ConnectionTestRecord): Promise<void>;
  deleteConnection(id: number): Promise<boolean>;

  createGroup(g: NewGroup): Promise<GroupRecord | null>;
  groupById(id: number): Promise<GroupRecord | null>;
  listGroups(): Promise<GroupRecord[]>;
  updateGroup(id: number, patch: GroupPatch): Promise<GroupRecord | null>;
  deleteGroup(id: number): Promise<boolean>;

  createCluster(c: NewCluster): Promise<ClusterRecord | null>;
  clusterById(id: number): Promise<ClusterRecord | null>;
  clusterByName(name: string): Promise<ClusterRecord | null>;
  listClusters(): Promise<ClusterRecord[]>;
  deleteCluster(id: number): Promise<boolean>;

  /** Null when the connection already has a placement with this secret name in this cluster. */
  createPlacement(p: NewPlacement): Promise<PlacementRecord | null>;
  placementById(id: number): Promise<PlacementRecord | null>;
  listPlacements(filter?: { connectionId?: number; clusterId?: number }): Promise<PlacementRecord[]>;
  updatePlacement(id: number, patch: PlacementPatch): Promise<PlacementRecord | null>;
  /** Removes the placement and its copy states. */
  deletePlacement(id: number): Promise<boolean>;

  /** Replaces the copy states of a placement with `copies`. */
  recordCopies(placementId: number, copies: CopyRecord[]): Promise<void>;
  listCopies(placementId: number): Promise<CopyRecord[]>;

  /**
   * True for exactly one caller per `intervalMs` across every node sharing
   * the database: the one that moved the `key` timestamp forward.
   */
  claimPeriodic(key: string, intervalMs: number, now?: Date): Promise<boolean>;
}
