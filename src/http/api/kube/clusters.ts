/**
 * /kube/clusters (registered by kubeconfig; listing namespaces is the check),
 * /kube/placements (a connection's secret in chosen namespaces; sync now;
 * each copy's state) and /kube/diagnose (why a pull fails).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { PodDiagnosis } from '../../../features/kube/diagnose.ts';
import type { PlacementRecord } from '../../../features/kube/store.ts';
import { credentialsFingerprint } from '../../../features/kube/sync.ts';
import { doc, Empty } from '../../shared/schemas.ts';
import { badRequest } from '../errors.ts';
import {
  allow,
  body,
  clusterView,
  copyView,
  idParam,
  type KubeApiOptions,
  optionalInt,
  paged,
  str,
} from './context.ts';
import {
  Anything,
  Cluster,
  ClusterBody,
  DiagnoseBody,
  IdParams,
  Paged,
  Placement,
  PlacementBody,
  PlacementQuery,
} from './schemas.ts';

function names(b: Record<string, unknown>, field: string): string[] | undefined {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badRequest(`${field} must be a list of names`);
  return v as string[];
}

function bool(b: Record<string, unknown>, field: string): boolean | undefined {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`${field} must be true or false`);
  return v;
}

type ImageResult = PodDiagnosis['images'][number];
const imageView = (i: ImageResult) => ({
  image: i.image,
  ...(i.container ? { container: i.container } : {}),
  code: i.code,
  ok: i.ok,
  message: i.message,
  ...(i.suggestion ? { suggestion: i.suggestion } : {}),
  secrets_tried: i.secretsTried,
  ...(i.kubeletReason ? { kubelet_reason: i.kubeletReason } : {}),
  ...(i.retryAfter ? { retry_after: i.retryAfter } : {}),
  ...(i.platforms ? { platforms: i.platforms } : {}),
});

export async function clusterRoutes(app: FastifyInstance, options: KubeApiOptions): Promise<void> {
  const { clusters, connections } = options.kube;

  app.get(
    '/kube/clusters',
    { schema: { ...doc('kube', 'Clusters'), querystring: Paged, response: { 200: Type.Array(Cluster) } } },
    async (request, reply) => {
      await allow(options, request);
      return paged(request, reply, (await clusters.list()).map(clusterView));
    },
  );

  app.post(
    '/kube/clusters',
    { schema: { ...doc('kube', 'Register a cluster'), body: ClusterBody, response: { 201: Cluster } } },
    async (request, reply) => {
      await allow(options, request);
      const b = body(request);
      const { cluster, namespaces } = await clusters.register({
        name: str(b, 'name'),
        kubeconfig: str(b, 'kubeconfig'),
        context: str(b, 'context'),
      });
      reply.status(201).header('location', `/api/v2.0/kube/clusters/${cluster.id}`);
      return { ...clusterView(cluster), namespaces };
    },
  );

  app.get(
    '/kube/clusters/:id',
    { schema: { ...doc('kube', 'One cluster'), params: IdParams, response: { 200: Cluster } } },
    async (request) => {
      await allow(options, request);
      return clusterView(await clusters.get(idParam(request)));
    },
  );

  app.delete(
    '/kube/clusters/:id',
    { schema: { ...doc('kube', 'Remove a cluster'), params: IdParams, response: { 200: Empty } } },
    async (request) => {
      await allow(options, request);
      await clusters.delete(idParam(request));
      return {};
    },
  );

  app.get(
    '/kube/clusters/:id/namespaces',
    { schema: { ...doc('kube', "A cluster's namespaces"), params: IdParams, response: { 200: Type.Array(Anything) } } },
    async (request) => {
      await allow(options, request);
      return (await clusters.namespaces(idParam(request))).map((name) => ({ name }));
    },
  );

  // ------------------------------------------------------------ placements

  /** A placement with each copy's last sync. */
  const placementView = async (p: PlacementRecord) => {
    const { connection } = await connections.resolve(p.connectionId);
    const fingerprint = credentialsFingerprint(connection);
    return {
      id: p.id,
      connection_id: p.connectionId,
      cluster_id: p.clusterId,
      secret_name: p.secretName,
      namespaces: p.namespaces,
      service_accounts: p.serviceAccounts,
      adopt: p.adopt,
      copies: (await clusters.copies(p.id)).map((c) => copyView(c, fingerprint)),
      creation_time: p.createdAt,
      update_time: p.updatedAt,
    };
  };
  /** The placement named by :id, once the caller may manage its connection. */
  const guarded = async (request: Parameters<typeof idParam>[0]) => {
    const placement = await clusters.placement(idParam(request));
    await allow(options, request, (await connections.get(placement.connectionId)).projectId);
    return placement;
  };

  app.get(
    '/kube/placements',
    {
      schema: {
        ...doc('kube', 'Pull secret placements'),
        querystring: PlacementQuery,
        response: { 200: Type.Array(Placement) },
      },
    },
    async (request, reply) => {
      await allow(options, request);
      const q = request.query as Record<string, string | undefined>;
      const list = await clusters.listPlacements({
        connectionId: optionalInt(q.connection_id, 'connection_id'),
        clusterId: optionalInt(q.cluster_id, 'cluster_id'),
      });
      const page = paged(request, reply, list);
      return Promise.all(page.map(placementView));
    },
  );

  app.post(
    '/kube/placements',
    { schema: { ...doc('kube', 'Create a placement'), body: PlacementBody, response: { 201: Placement } } },
    async (request, reply) => {
      const b = body(request);
      const connectionId = optionalInt(b.connection_id, 'connection_id');
      if (connectionId !== undefined) await allow(options, request, (await connections.get(connectionId)).projectId);
      else await allow(options, request);
      const created = await clusters.place({
        connectionId,
        clusterId: optionalInt(b.cluster_id, 'cluster_id'),
        secretName: str(b, 'secret_name'),
        namespaces: names(b, 'namespaces'),
        serviceAccounts: names(b, 'service_accounts'),
        adopt: bool(b, 'adopt'),
      });
      reply.status(201).header('location', `/api/v2.0/kube/placements/${created.id}`);
      return placementView(created);
    },
  );

  app.get(
    '/kube/placements/:id',
    { schema: { ...doc('kube', 'One placement'), params: IdParams, response: { 200: Placement } } },
    async (request) => placementView(await guarded(request)),
  );

  app.put(
    '/kube/placements/:id',
    {
      schema: {
        ...doc('kube', 'Change a placement'),
        params: IdParams,
        body: PlacementBody,
        response: { 200: Placement },
      },
    },
    async (request) => {
      const placement = await guarded(request);
      const b = body(request);
      const updated = await clusters.updatePlacement(placement.id, {
        namespaces: names(b, 'namespaces'),
        serviceAccounts: names(b, 'service_accounts'),
        adopt: bool(b, 'adopt'),
      });
      return placementView(updated);
    },
  );

  /** Forgets the placement; secrets already written stay in the cluster. */
  app.delete(
    '/kube/placements/:id',
    { schema: { ...doc('kube', 'Delete a placement'), params: IdParams, response: { 200: Empty } } },
    async (request) => {
      const placement = await guarded(request);
      await clusters.deletePlacement(placement.id);
      return {};
    },
  );

  /** Creates or updates the secret in every namespace of the placement now. */
  app.post(
    '/kube/placements/:id/sync',
    { schema: { ...doc('kube', 'Sync a placement now'), params: IdParams, response: { 200: Placement } } },
    async (request) => {
      const placement = await guarded(request);
      await clusters.sync(placement.id);
      // A cluster that was behind may now hold the new robot secret: the old one can retire.
      await options.kube.rotation.settle();
      return placementView(await clusters.placement(placement.id));
    },
  );

  // ------------------------------------------------------------ diagnosis

  /** `{cluster_id, namespace, pod}` or `{cluster_id, namespace, image, service_account?}`. */
  app.post(
    '/kube/diagnose',
    {
      schema: {
        ...doc('kube', 'Diagnose why a pod or image cannot be pulled'),
        body: DiagnoseBody,
        response: { 200: Anything },
      },
    },
    async (request) => {
      await allow(options, request);
      const b = body(request);
      const outcome = await clusters.diagnose({
        clusterId: optionalInt(b.cluster_id, 'cluster_id'),
        connectionId: optionalInt(b.connection_id, 'connection_id'),
        platform: str(b, 'platform'),
        namespace: str(b, 'namespace'),
        pod: str(b, 'pod'),
        image: str(b, 'image'),
        serviceAccount: str(b, 'service_account'),
      });
      if (outcome.kind === 'image') return imageView(outcome.result);
      const d = outcome.result;
      return {
        namespace: d.namespace,
        pod: d.pod,
        service_account: d.serviceAccount,
        ok: d.images.every((i) => i.ok),
        images: d.images.map(imageView),
        events: d.events,
      };
    },
  );
}
