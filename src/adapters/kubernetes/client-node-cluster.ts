/**
 * KubeCluster over @kubernetes/client-node, built from a kubeconfig string
 * (as stored, decrypted, for a registered cluster).
 */
import {
  ApiException,
  type ConfigurationOptions,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import {
  KubeApiError,
  type KubeCluster,
  type KubeEvent,
  type LocalObjectReference,
  type Pod,
  type Secret,
  type ServiceAccount,
} from '../../features/kube/cluster.ts';

export interface ClientNodeClusterOptions {
  /** Use this context instead of the kubeconfig's current-context. */
  context?: string;
}

export function clusterFromKubeconfig(kubeconfig: string, options: ClientNodeClusterOptions = {}): KubeCluster {
  const config = new KubeConfig();
  config.loadFromString(kubeconfig);
  if (options.context) config.setCurrentContext(options.context);
  if (!config.getCurrentCluster()) throw new Error('kubeconfig has no current cluster');
  return new ClientNodeCluster(config.makeApiClient(CoreV1Api));
}

class ClientNodeCluster implements KubeCluster {
  constructor(private readonly api: CoreV1Api) {}

  async getSecret(namespace: string, name: string): Promise<Secret | null> {
    return orNull(call(() => this.api.readNamespacedSecret({ name, namespace }))) as Promise<Secret | null>;
  }

  async listSecrets(namespace: string, type: string): Promise<Secret[]> {
    const list = await call(() => this.api.listNamespacedSecret({ namespace, fieldSelector: `type=${type}` }));
    return list.items as Secret[];
  }

  async createSecret(namespace: string, secret: Secret): Promise<Secret> {
    return call(() => this.api.createNamespacedSecret({ namespace, body: secret })) as Promise<Secret>;
  }

  async replaceSecret(namespace: string, secret: Secret): Promise<Secret> {
    const name = secret.metadata.name;
    return call(() => this.api.replaceNamespacedSecret({ name, namespace, body: secret })) as Promise<Secret>;
  }

  async listNamespaces(): Promise<string[]> {
    const list = await call(() => this.api.listNamespace());
    return list.items.map((ns) => ns.metadata?.name ?? '').filter((n) => n !== '');
  }

  async getPod(namespace: string, name: string): Promise<Pod | null> {
    return orNull(call(() => this.api.readNamespacedPod({ name, namespace }))) as Promise<Pod | null>;
  }

  async getServiceAccount(namespace: string, name: string): Promise<ServiceAccount | null> {
    return orNull(
      call(() => this.api.readNamespacedServiceAccount({ name, namespace })),
    ) as Promise<ServiceAccount | null>;
  }

  async setServiceAccountPullSecrets(
    namespace: string,
    name: string,
    secrets: LocalObjectReference[],
    resourceVersion: string,
  ): Promise<ServiceAccount> {
    // A merge patch carrying resourceVersion is applied only if the object is
    // still at that version (409 otherwise), so concurrent edits of the list
    // are not lost.
    const body = { metadata: { resourceVersion }, imagePullSecrets: secrets };
    const options: ConfigurationOptions = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    return call(() =>
      this.api.patchNamespacedServiceAccount({ name, namespace, body }, options),
    ) as Promise<ServiceAccount>;
  }

  async listPodEvents(namespace: string, podName: string): Promise<KubeEvent[]> {
    const fieldSelector = `involvedObject.kind=Pod,involvedObject.name=${podName}`;
    const list = await call(() => this.api.listNamespacedEvent({ namespace, fieldSelector }));
    return list.items.map((e) => ({ type: e.type, reason: e.reason, message: e.message, count: e.count }));
  }
}

/**
 * Runs an API call, returning plain data (client-node returns class instances
 * with Date fields; the feature wants the API's JSON) and turning ApiException
 * into KubeApiError with the Status reason.
 */
async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return JSON.parse(JSON.stringify(await fn())) as T;
  } catch (e) {
    if (e instanceof ApiException) {
      const status = parseStatus(e.body);
      throw new KubeApiError(e.code, status.reason ?? 'Unknown', status.message ?? `HTTP ${e.code}`);
    }
    throw e;
  }
}

async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof KubeApiError && e.status === 404) return null;
    throw e;
  }
}

function parseStatus(body: unknown): { reason?: string; message?: string } {
  if (typeof body === 'string') {
    try {
      return parseStatus(JSON.parse(body));
    } catch {
      return { message: body };
    }
  }
  if (body && typeof body === 'object') {
    const { reason, message } = body as { reason?: unknown; message?: unknown };
    return {
      reason: typeof reason === 'string' ? reason : undefined,
      message: typeof message === 'string' ? message : undefined,
    };
  }
  return {};
}
