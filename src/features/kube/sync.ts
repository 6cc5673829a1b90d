/**
 * Keeps a connection's pull secret present and current in chosen namespaces
 * of a cluster, and optionally referenced by service accounts. Idempotent:
 * running it again changes nothing and reports "unchanged".
 */
import { createHash } from 'node:crypto';
import { isConflict, KubeApiError, type KubeCluster, type Secret } from './cluster.ts';
import type { RegistryConnection } from './connections.ts';
import {
  DOCKER_CONFIG_JSON_KEY,
  DOCKER_CONFIG_JSON_TYPE,
  dockerConfigJson,
  validateNamespace,
  validateSecretName,
} from './pullsecret.ts';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'berth';
export const CONNECTION_ANNOTATION = 'berth.io/connection';

export type CopyState = 'created' | 'updated' | 'unchanged' | 'failed';
export type ServiceAccountState = 'added' | 'present' | 'failed';

export interface CopyResult {
  namespace: string;
  state: CopyState;
  message?: string;
  serviceAccounts: Array<{ name: string; state: ServiceAccountState; message?: string }>;
}

export interface SyncTarget {
  secretName: string;
  namespaces: string[];
  /** Service accounts (in each namespace) whose imagePullSecrets should name the secret. */
  serviceAccounts?: string[];
  /** Take over a same-named secret that Berth did not create. */
  adopt?: boolean;
}

const MAX_CONFLICT_RETRIES = 3;

/** The secret Berth keeps in each namespace for `connection`. */
export function desiredSecret(connection: RegistryConnection, secretName: string): Secret {
  const config = dockerConfigJson({
    server: connection.address,
    username: connection.username,
    password: connection.password,
    email: connection.email,
  });
  return {
    metadata: {
      name: secretName,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
      annotations: { [CONNECTION_ANNOTATION]: connection.name },
    },
    type: DOCKER_CONFIG_JSON_TYPE,
    data: { [DOCKER_CONFIG_JSON_KEY]: Buffer.from(config, 'utf8').toString('base64') },
  };
}

/**
 * Identifies the credentials a connection renders; a reconcile job compares
 * it with the last applied one to know the copies must be rewritten.
 */
export function credentialsFingerprint(connection: RegistryConnection): string {
  const secret = desiredSecret(connection, 'x');
  return createHash('sha256').update(secret.data![DOCKER_CONFIG_JSON_KEY]!).digest('hex');
}

export async function syncPullSecret(
  cluster: KubeCluster,
  connection: RegistryConnection,
  target: SyncTarget,
): Promise<CopyResult[]> {
  const nameError = validateSecretName(target.secretName);
  if (nameError) throw new Error(nameError);
  const desired = desiredSecret(connection, target.secretName);
  const results: CopyResult[] = [];
  for (const namespace of target.namespaces) {
    const result: CopyResult = { namespace, state: 'failed', serviceAccounts: [] };
    results.push(result);
    const nsError = validateNamespace(namespace);
    if (nsError) {
      result.message = nsError;
      continue;
    }
    try {
      result.state = await applySecret(cluster, namespace, desired, target.adopt ?? false);
    } catch (e) {
      result.message = describe(e);
      continue;
    }
    for (const sa of target.serviceAccounts ?? []) {
      try {
        result.serviceAccounts.push({
          name: sa,
          state: await referenceFromServiceAccount(cluster, namespace, sa, target.secretName),
        });
      } catch (e) {
        result.serviceAccounts.push({ name: sa, state: 'failed', message: describe(e) });
      }
    }
  }
  return results;
}

async function applySecret(
  cluster: KubeCluster,
  namespace: string,
  desired: Secret,
  adopt: boolean,
): Promise<CopyState> {
  for (let attempt = 0; ; attempt++) {
    const existing = await cluster.getSecret(namespace, desired.metadata.name);
    try {
      if (!existing) {
        await cluster.createSecret(namespace, desired);
        return 'created';
      }
      const managed = existing.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;
      if (!managed && !adopt) {
        throw new SyncError(
          `secret "${desired.metadata.name}" already exists and is not managed by Berth; choose another name or adopt it`,
        );
      }
      if ((existing.type ?? 'Opaque') !== desired.type) {
        // A secret's type is immutable in Kubernetes: replacing would fail.
        throw new SyncError(
          `secret "${desired.metadata.name}" exists with type ${existing.type ?? 'Opaque'}; delete it so Berth can create a ${desired.type} secret`,
        );
      }
      if (managed && sameData(existing, desired) && sameAnnotation(existing, desired)) return 'unchanged';
      await cluster.replaceSecret(namespace, mergeInto(existing, desired));
      return 'updated';
    } catch (e) {
      // Someone else created or changed it between our read and write: read again.
      if (isConflict(e) && attempt < MAX_CONFLICT_RETRIES) continue;
      throw e;
    }
  }
}

/** Keeps the existing object's other labels and annotations; ours win. */
function mergeInto(existing: Secret, desired: Secret): Secret {
  return {
    metadata: {
      ...existing.metadata,
      labels: { ...existing.metadata.labels, ...desired.metadata.labels },
      annotations: { ...existing.metadata.annotations, ...desired.metadata.annotations },
    },
    type: desired.type,
    data: desired.data,
  };
}

function sameData(a: Secret, b: Secret): boolean {
  const keysA = Object.keys(a.data ?? {}).sort();
  const keysB = Object.keys(b.data ?? {}).sort();
  return keysA.join('\0') === keysB.join('\0') && keysA.every((k) => a.data?.[k] === b.data?.[k]);
}

function sameAnnotation(a: Secret, b: Secret): boolean {
  return a.metadata.annotations?.[CONNECTION_ANNOTATION] === b.metadata.annotations?.[CONNECTION_ANNOTATION];
}

async function referenceFromServiceAccount(
  cluster: KubeCluster,
  namespace: string,
  name: string,
  secretName: string,
): Promise<ServiceAccountState> {
  for (let attempt = 0; ; attempt++) {
    const sa = await cluster.getServiceAccount(namespace, name);
    if (!sa) throw new SyncError(`service account "${name}" not found in namespace "${namespace}"`);
    const current = sa.imagePullSecrets ?? [];
    if (current.some((ref) => ref.name === secretName)) return 'present';
    try {
      await cluster.setServiceAccountPullSecrets(
        namespace,
        name,
        [...current, { name: secretName }],
        sa.metadata.resourceVersion ?? '',
      );
      return 'added';
    } catch (e) {
      if (isConflict(e) && attempt < MAX_CONFLICT_RETRIES) continue;
      throw e;
    }
  }
}

class SyncError extends Error {}

function describe(e: unknown): string {
  if (e instanceof KubeApiError) return `${e.reason}: ${e.message}`;
  if (e instanceof SyncError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

// ------------------------------------------------------------------ reconcile

/** Where one connection's secret is kept in one cluster. */
export interface Placement extends SyncTarget {
  clusterId: string;
}

export interface PlacementReport {
  clusterId: string;
  copies: CopyResult[];
  /** Set when the cluster itself could not be reached or configured. */
  error?: string;
}

export interface ReconcileReport {
  fingerprint: string;
  /** False when the credentials matched `lastFingerprint` and nothing was checked. */
  applied: boolean;
  placements: PlacementReport[];
}

/**
 * Re-applies a connection's secret everywhere it is placed. With
 * `lastFingerprint` (from the previous run) and `onlyIfChanged`, it does
 * nothing while the credentials are the same; otherwise it checks every copy,
 * which also repairs copies edited or deleted in the cluster.
 */
export async function reconcileConnection(
  connection: RegistryConnection,
  placements: Placement[],
  clusterFor: (clusterId: string) => KubeCluster | Promise<KubeCluster>,
  options: { lastFingerprint?: string; onlyIfChanged?: boolean } = {},
): Promise<ReconcileReport> {
  const fingerprint = credentialsFingerprint(connection);
  if (options.onlyIfChanged && options.lastFingerprint === fingerprint) {
    return { fingerprint, applied: false, placements: [] };
  }
  const reports: PlacementReport[] = [];
  for (const placement of placements) {
    try {
      const cluster = await clusterFor(placement.clusterId);
      reports.push({ clusterId: placement.clusterId, copies: await syncPullSecret(cluster, connection, placement) });
    } catch (e) {
      reports.push({ clusterId: placement.clusterId, copies: [], error: describe(e) });
    }
  }
  return { fingerprint, applied: true, placements: reports };
}
