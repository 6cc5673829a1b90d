/**
 * The one port the Kubernetes feature needs from a cluster. The adapter in
 * src/adapters/kubernetes implements it with @kubernetes/client-node; tests
 * point that same adapter at a fake API server.
 *
 * Object shapes are the subset of the Kubernetes API (core/v1) the feature
 * reads; fields keep their API names.
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Secret {
  metadata: ObjectMeta;
  type?: string;
  /** Base64 values, as the API returns them. */
  data?: Record<string, string>;
}

export interface LocalObjectReference {
  name: string;
}

export interface ServiceAccount {
  metadata: ObjectMeta;
  imagePullSecrets?: LocalObjectReference[];
}

export interface ContainerStatus {
  name: string;
  image: string;
  state?: { waiting?: { reason?: string; message?: string } };
}

export interface Pod {
  metadata: ObjectMeta;
  spec: {
    serviceAccountName?: string;
    imagePullSecrets?: LocalObjectReference[];
    containers: Array<{ name: string; image: string }>;
    initContainers?: Array<{ name: string; image: string }>;
  };
  status?: { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
}

export interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
}

export interface KubeCluster {
  /** Null when the secret does not exist. */
  getSecret(namespace: string, name: string): Promise<Secret | null>;
  /** Secrets of one type (e.g. kubernetes.io/dockerconfigjson) in a namespace. */
  listSecrets(namespace: string, type: string): Promise<Secret[]>;
  /** Throws KubeApiError 409 when it already exists. */
  createSecret(namespace: string, secret: Secret): Promise<Secret>;
  /** Needs metadata.resourceVersion; throws KubeApiError 409 when it changed meanwhile. */
  replaceSecret(namespace: string, secret: Secret): Promise<Secret>;
  listNamespaces(): Promise<string[]>;
  getPod(namespace: string, name: string): Promise<Pod | null>;
  getServiceAccount(namespace: string, name: string): Promise<ServiceAccount | null>;
  /**
   * Sets the service account's imagePullSecrets to `secrets`, only if it is
   * still at `resourceVersion` (409 otherwise).
   */
  setServiceAccountPullSecrets(
    namespace: string,
    name: string,
    secrets: LocalObjectReference[],
    resourceVersion: string,
  ): Promise<ServiceAccount>;
  listPodEvents(namespace: string, podName: string): Promise<KubeEvent[]>;
}

/** A failed API call, with the API's Status reason (NotFound, AlreadyExists, Conflict, Forbidden…). */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export function isConflict(e: unknown): boolean {
  return e instanceof KubeApiError && e.status === 409;
}
