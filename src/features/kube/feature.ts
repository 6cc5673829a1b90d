/** The Kubernetes feature assembled from its ports; src/server/app.ts supplies the adapters. */
import type { JobQueue } from '../../core/jobs.ts';
import type { OutboundPolicy } from '../../core/outbound.ts';
import { type ClusterFactory, ClusterService } from './cluster-service.ts';
import { ConnectionService } from './connection-service.ts';
import type { DiagnoseOptions } from './diagnose.ts';
import { GroupService } from './group-service.ts';
import type { BerthRobots } from './robots.ts';
import { overlapFor, type RotationStatus, rotationStatus, settleRotations } from './rotation.ts';
import type { Sealer } from './secretbox.ts';
import type { KubeStore } from './store.ts';
import { KubeWorker, type KubeWorkerOptions } from './worker.ts';

export interface KubeFeatureDeps {
  store: KubeStore;
  box: Sealer;
  jobs: JobQueue;
  clusterFor: ClusterFactory;
  diagnose?: DiagnoseOptions;
  /** Berth's robot accounts, for connections that create their own; absent: not offered. */
  robots?: BerthRobots;
  worker: Omit<KubeWorkerOptions, 'jobs' | 'clusters' | 'store' | 'afterRun'>;
  /** kube.rotation_overlap: seconds a refreshed robot's old secret may stay valid while clusters catch up; 0: none. */
  rotationOverlapSeconds?: number;
  /** Where connections, clusters and probes may connect; default: the strict policy. */
  outbound?: OutboundPolicy;
  /** kube.in_cluster: the service-account folder whose token and CA a kubeconfig may name. */
  serviceAccountDir?: string;
  /** BERTH_PROXY_MIRRORS (`ns` host → project): the default project of group members in mirror mode. */
  mirrorProjects?: ReadonlyMap<string, string>;
}

export interface KubeFeature {
  connections: ConnectionService;
  groups: GroupService;
  clusters: ClusterService;
  worker: KubeWorker;
  /** The shared job queue (reconcile jobs' status). */
  jobs: JobQueue;
  /** The overlap window of robot secret refreshes (rotation.ts). */
  rotation: {
    /** Seconds the old secret of `robotName` should stay valid on refresh (0 when no cluster holds it). */
    overlapFor(robotName: string): Promise<number>;
    /** Which credential version each cluster holds for a connection. */
    status(connectionId: number): Promise<RotationStatus>;
    /** Retires old secrets every cluster has moved past; the robots retired. */
    settle(): Promise<string[]>;
  };
}

export function createKube(deps: KubeFeatureDeps): KubeFeature {
  let worker: KubeWorker | undefined;
  const connections = new ConnectionService({
    store: deps.store,
    box: deps.box,
    jobs: deps.jobs,
    onEnqueued: () => worker?.nudge(),
    robots: deps.robots,
    outbound: deps.outbound,
  });
  const clusters = new ClusterService({
    store: deps.store,
    box: deps.box,
    connections,
    clusterFor: deps.clusterFor,
    diagnose: { ...deps.diagnose, outbound: deps.outbound },
    outbound: deps.outbound,
    serviceAccountDir: deps.serviceAccountDir,
  });
  const rotationDeps = { store: deps.store, connections, robots: deps.robots };
  const rotation = {
    overlapFor: (robotName: string) => overlapFor(deps.store, robotName, deps.rotationOverlapSeconds ?? 0),
    status: (connectionId: number) => rotationStatus(rotationDeps, connectionId),
    settle: () => settleRotations(rotationDeps),
  };
  worker = new KubeWorker({
    ...deps.worker,
    jobs: deps.jobs,
    clusters,
    store: deps.store,
    afterRun: rotation.settle,
  });
  return {
    connections,
    groups: new GroupService(deps.store, deps.mirrorProjects),
    clusters,
    worker,
    jobs: deps.jobs,
    rotation,
  };
}
