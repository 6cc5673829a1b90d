/**
 * Clusters (registered by kubeconfig, sealed at rest), placements (which
 * namespaces of which cluster hold a connection's pull secret) and the state
 * of each copy; sync now, reconcile (the job's work) and pull diagnosis.
 */
import { OutboundPolicy, OutboundRefusedError } from '../../core/outbound.ts';
import type { KubeCluster } from './cluster.ts';
import type { ConnectionService } from './connection-service.ts';
import {
  type DiagnoseOptions,
  diagnoseImage,
  diagnosePod,
  diagnoseWithCredentials,
  PodNotFoundError,
} from './diagnose.ts';
import { KubeConflictError, KubeInvalidError, KubeNotFoundError } from './errors.ts';
import { checkKubeconfig } from './kubeconfig-check.ts';
import { validateNamespace, validateSecretName } from './pullsecret.ts';
import type { Sealer } from './secretbox.ts';
import type { ClusterRecord, CopyRecord, KubeStore, PlacementRecord } from './store.ts';
import { type CopyResult, credentialsFingerprint, reconcileConnection } from './sync.ts';

/** Builds a KubeCluster from a kubeconfig (the adapter: @kubernetes/client-node). */
export type ClusterFactory = (kubeconfig: string, context?: string) => KubeCluster | Promise<KubeCluster>;

export interface ClusterServiceDeps {
  store: KubeStore;
  box: Sealer;
  connections: ConnectionService;
  clusterFor: ClusterFactory;
  diagnose?: DiagnoseOptions;
  /** Where a cluster's API server (and proxy) may be; default: the strict policy. */
  outbound?: OutboundPolicy;
  /** kube.in_cluster: the service-account folder whose token and CA a kubeconfig may name. */
  serviceAccountDir?: string;
}

export interface PlacementInput {
  connectionId?: number;
  clusterId?: number;
  secretName?: string;
  namespaces?: string[];
  serviceAccounts?: string[];
  adopt?: boolean;
}

const kubeconfigContext = (name: string) => `kube/cluster/${name}/kubeconfig`;
const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export class ClusterService {
  private readonly outbound: OutboundPolicy;

  constructor(private readonly deps: ClusterServiceDeps) {
    this.outbound = deps.outbound ?? OutboundPolicy.fromList([]);
  }

  /**
   * The server of the kubeconfig's context, once the kubeconfig holds only
   * inline credentials and every address in it passes the outbound policy:
   * checked before client-node sees it, so nothing runs and nothing connects.
   */
  private async vet(kubeconfig: string, context?: string): Promise<string> {
    const { server, urls } = await serverOf(kubeconfig, context, this.deps.serviceAccountDir);
    for (const url of urls) {
      try {
        await this.outbound.assertAllowed(url);
      } catch (e) {
        if (e instanceof OutboundRefusedError) throw new KubeInvalidError('kubeconfig', `kubeconfig: ${e.message}`);
        throw e;
      }
    }
    return server;
  }

  // ------------------------------------------------------------ clusters

  async get(id: number): Promise<ClusterRecord> {
    const c = await this.deps.store.clusterById(id);
    if (!c) throw new KubeNotFoundError(`cluster ${id} not found`);
    return c;
  }

  async byName(name: string): Promise<ClusterRecord> {
    const c = await this.deps.store.clusterByName(name);
    if (!c) throw new KubeNotFoundError(`cluster "${name}" not found`);
    return c;
  }

  list(): Promise<ClusterRecord[]> {
    return this.deps.store.listClusters();
  }

  /** Registers a cluster once listing its namespaces works with the kubeconfig. */
  async register(input: { name?: string; kubeconfig?: string; context?: string | null }) {
    if (typeof input.name !== 'string' || !NAME_RE.test(input.name)) {
      throw new KubeInvalidError('name', 'name must be 1-63 lowercase letters, digits or "-"');
    }
    if (typeof input.kubeconfig !== 'string' || input.kubeconfig.trim() === '') {
      throw new KubeInvalidError('kubeconfig', 'kubeconfig is required (the YAML text of a kubeconfig file)');
    }
    const context = input.context || undefined;
    const server = await this.vet(input.kubeconfig, context);
    let namespaces: string[];
    try {
      namespaces = await (await this.deps.clusterFor(input.kubeconfig, context)).listNamespaces();
    } catch (e) {
      throw new KubeInvalidError('kubeconfig', `listing namespaces at ${server} failed: ${describe(e)}`);
    }
    const created = await this.deps.store.createCluster({
      name: input.name,
      kubeconfigSealed: this.deps.box.encrypt(input.kubeconfig, kubeconfigContext(input.name)),
      context: context ?? null,
      server,
    });
    if (!created) throw new KubeConflictError(`a cluster named "${input.name}" already exists`);
    return { cluster: created, namespaces };
  }

  async delete(id: number): Promise<void> {
    const c = await this.get(id);
    const placements = await this.deps.store.listPlacements({ clusterId: id });
    if (placements.length > 0) {
      throw new KubeConflictError(`cluster "${c.name}" has ${placements.length} placement(s); remove them first`);
    }
    await this.deps.store.deleteCluster(id);
  }

  /** The API port of a registered cluster. */
  async open(id: number): Promise<KubeCluster> {
    const c = await this.get(id);
    const kubeconfig = this.deps.box.decrypt(c.kubeconfigSealed, kubeconfigContext(c.name));
    // Kubeconfigs stored before these checks existed are held to them too.
    await this.vet(kubeconfig, c.context ?? undefined);
    return this.deps.clusterFor(kubeconfig, c.context ?? undefined);
  }

  async namespaces(id: number): Promise<string[]> {
    const cluster = await this.open(id);
    return cluster.listNamespaces();
  }

  // ------------------------------------------------------------ placements

  async placement(id: number): Promise<PlacementRecord> {
    const p = await this.deps.store.placementById(id);
    if (!p) throw new KubeNotFoundError(`placement ${id} not found`);
    return p;
  }

  listPlacements(filter: { connectionId?: number; clusterId?: number } = {}): Promise<PlacementRecord[]> {
    return this.deps.store.listPlacements(filter);
  }

  copies(placementId: number): Promise<CopyRecord[]> {
    return this.deps.store.listCopies(placementId);
  }

  async place(input: PlacementInput): Promise<PlacementRecord> {
    if (!Number.isInteger(input.connectionId)) throw new KubeInvalidError('connection_id', 'connection_id is required');
    if (!Number.isInteger(input.clusterId)) throw new KubeInvalidError('cluster_id', 'cluster_id is required');
    const connection = await this.deps.connections.get(input.connectionId!);
    await this.get(input.clusterId!);
    const secretName = input.secretName ?? `${connection.name}-pull`;
    const nameError = validateSecretName(secretName);
    if (nameError) throw new KubeInvalidError('secret_name', nameError);
    const namespaces = checkNames('namespaces', input.namespaces ?? [], true);
    const serviceAccounts = checkNames('service_accounts', input.serviceAccounts ?? [], false);
    const created = await this.deps.store.createPlacement({
      connectionId: connection.id,
      clusterId: input.clusterId!,
      secretName,
      namespaces,
      serviceAccounts,
      adopt: input.adopt ?? false,
    });
    if (!created) {
      throw new KubeConflictError(`connection "${connection.name}" already has secret "${secretName}" in that cluster`);
    }
    await this.deps.store.recordCopies(created.id, namespaces.map(pendingCopy(created.id)));
    return created;
  }

  async updatePlacement(id: number, input: PlacementInput): Promise<PlacementRecord> {
    const current = await this.placement(id);
    const patch = {
      ...(input.namespaces !== undefined ? { namespaces: checkNames('namespaces', input.namespaces, true) } : {}),
      ...(input.serviceAccounts !== undefined
        ? { serviceAccounts: checkNames('service_accounts', input.serviceAccounts, false) }
        : {}),
      ...(input.adopt !== undefined ? { adopt: input.adopt } : {}),
    };
    const updated = (await this.deps.store.updatePlacement(id, patch))!;
    const copies = await this.deps.store.listCopies(id);
    const kept = updated.namespaces.map((ns) => copies.find((c) => c.namespace === ns) ?? pendingCopy(current.id)(ns));
    await this.deps.store.recordCopies(id, kept);
    return updated;
  }

  /** Forgets a placement; the secrets already in the cluster stay (Berth does not delete them). */
  async deletePlacement(id: number): Promise<void> {
    if (!(await this.deps.store.deletePlacement(id))) throw new KubeNotFoundError(`placement ${id} not found`);
  }

  /** Applies one placement now and records each copy's state. */
  async sync(placementId: number): Promise<CopyRecord[]> {
    const placement = await this.placement(placementId);
    await this.reconcile(placement.connectionId, [placement]);
    return this.deps.store.listCopies(placementId);
  }

  /** Re-applies a connection's secret in every placement (the `kube.reconcile` job). */
  async reconcile(connectionId: number, only?: PlacementRecord[]): Promise<CopyRecord[][]> {
    const { connection } = await this.deps.connections.resolve(connectionId);
    const placements = only ?? (await this.deps.store.listPlacements({ connectionId }));
    const opened = new Map<string, Promise<KubeCluster>>();
    const report = await reconcileConnection(
      connection,
      placements.map((p) => ({ ...p, clusterId: String(p.clusterId) })),
      (clusterId) => {
        if (!opened.has(clusterId)) opened.set(clusterId, this.open(Number(clusterId)));
        return opened.get(clusterId)!;
      },
    );
    const at = new Date().toISOString();
    const fingerprint = credentialsFingerprint(connection);
    const out: CopyRecord[][] = [];
    for (const [i, placement] of placements.entries()) {
      const result = report.placements[i]!;
      const previous = await this.deps.store.listCopies(placement.id);
      const copies = placement.namespaces.map((ns): CopyRecord => {
        const copy: CopyResult | undefined = result.copies.find((c) => c.namespace === ns);
        const failed = !copy || copy.state === 'failed';
        return {
          placementId: placement.id,
          namespace: ns,
          state: copy?.state ?? 'failed',
          message: copy?.message ?? result.error ?? null,
          fingerprint: failed ? (previous.find((c) => c.namespace === ns)?.fingerprint ?? null) : fingerprint,
          serviceAccounts: copy?.serviceAccounts ?? [],
          syncedAt: at,
        };
      });
      await this.deps.store.recordCopies(placement.id, copies);
      out.push(copies);
    }
    return out;
  }

  /** Every connection that is placed somewhere (the periodic full reconcile). */
  async reconcileAll(): Promise<void> {
    const ids = new Set((await this.deps.store.listPlacements()).map((p) => p.connectionId));
    for (const id of ids) await this.reconcile(id);
  }

  // ------------------------------------------------------------ diagnosis

  async diagnose(input: {
    clusterId?: number;
    connectionId?: number;
    namespace?: string;
    pod?: string;
    image?: string;
    serviceAccount?: string;
    platform?: string;
  }) {
    if (input.platform !== undefined && !/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/.test(input.platform)) {
      throw new KubeInvalidError('platform', 'platform must be os/architecture[/variant], e.g. linux/amd64');
    }
    const options = { ...this.deps.diagnose, ...(input.platform ? { platform: input.platform } : {}) };
    if (!Number.isInteger(input.clusterId) && Number.isInteger(input.connectionId)) {
      // From a registry connection alone: no cluster is needed to know whether its credentials pull the image.
      if (!input.image) throw new KubeInvalidError('image', 'image is required with connection_id');
      const { connection } = await this.deps.connections.resolve(input.connectionId!);
      const result = await diagnoseWithCredentials(
        {
          image: input.image,
          server: connection.address,
          username: connection.username,
          password: connection.password,
        },
        options,
      );
      return { kind: 'image' as const, result };
    }
    if (!Number.isInteger(input.clusterId))
      throw new KubeInvalidError('cluster_id', 'cluster_id is required (or connection_id with an image)');
    if (!input.namespace) throw new KubeInvalidError('namespace', 'namespace is required');
    const nsError = validateNamespace(input.namespace);
    if (nsError) throw new KubeInvalidError('namespace', nsError);
    if (!input.pod && !input.image) {
      throw new KubeInvalidError('pod', 'give a pod, or an image (with an optional service_account)');
    }
    const cluster = await this.open(input.clusterId!);
    if (input.pod) {
      try {
        return {
          kind: 'pod' as const,
          result: await diagnosePod(cluster, input.namespace, input.pod, options),
        };
      } catch (e) {
        if (e instanceof PodNotFoundError) throw new KubeNotFoundError(e.message);
        throw e;
      }
    }
    const result = await diagnoseImage(
      cluster,
      { namespace: input.namespace, image: input.image!, serviceAccount: input.serviceAccount },
      options,
    );
    return { kind: 'image' as const, result };
  }
}

const pendingCopy =
  (placementId: number) =>
  (namespace: string): CopyRecord => ({
    placementId,
    namespace,
    state: 'pending',
    message: null,
    fingerprint: null,
    serviceAccounts: [],
    syncedAt: null,
  });

function checkNames(field: string, values: unknown, required: boolean): string[] {
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
    throw new KubeInvalidError(field, `${field} must be a list of names`);
  }
  if (required && values.length === 0) throw new KubeInvalidError(field, `${field} must name at least one namespace`);
  for (const v of values as string[]) {
    const problem = validateNamespace(v);
    if (problem)
      throw new KubeInvalidError(field, field === 'namespaces' ? problem : problem.replace('namespace', 'name'));
  }
  return [...new Set(values as string[])];
}

/** The API server URL of the context to use; errors name the kubeconfig's missing part. */
async function serverOf(
  kubeconfig: string,
  context?: string,
  serviceAccountDir?: string,
): Promise<{ server: string; urls: string[] }> {
  // biome-ignore lint/suspicious/noExplicitAny: a kubeconfig is free-form YAML until checked.
  let doc: any;
  try {
    // Loaded when a cluster is registered, not at start.
    const { parse } = await import('yaml');
    doc = parse(kubeconfig);
  } catch (e) {
    throw new KubeInvalidError('kubeconfig', `kubeconfig is not valid YAML: ${(e as Error).message}`);
  }
  const { urls } = checkKubeconfig(doc, { serviceAccountDir });
  const name = context ?? doc?.['current-context'];
  if (!name) throw new KubeInvalidError('kubeconfig', 'kubeconfig has no current-context; name a context');
  const ctx = (doc?.contexts ?? []).find((c: { name?: string }) => c?.name === name);
  if (!ctx) throw new KubeInvalidError('context', `kubeconfig has no context "${name}"`);
  const cluster = (doc?.clusters ?? []).find((c: { name?: string }) => c?.name === ctx.context?.cluster);
  const server = cluster?.cluster?.server;
  if (typeof server !== 'string') {
    throw new KubeInvalidError('kubeconfig', `kubeconfig context "${name}" names no cluster with a server`);
  }
  return { server, urls };
}

function describe(e: unknown): string {
  const err = e as { reason?: string; message?: string };
  return err?.reason ? `${err.reason}: ${err.message}` : (err?.message ?? String(e));
}
