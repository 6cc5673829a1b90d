/**
 * The overlap window of a robot secret refresh. A connection that carries a
 * Berth robot's secret is copied into clusters as pull secrets; when the
 * secret is refreshed, each cluster gets the new one only when its reconcile
 * runs (and a cluster that is down gets it later). Until then the old secret
 * must keep working, or pods in that cluster stop pulling.
 *
 * What each cluster holds is known from the copy states the worker records:
 * every copy carries the fingerprint of the credentials it was written with
 * (`credentialsFingerprint`), so a copy holds the current credential version
 * when its fingerprint is the connection's current one. When every copy of
 * every connection carrying the robot holds it, the old secret is retired;
 * otherwise it lapses when the window (`kube.rotation_overlap`) ends.
 */
import type { ConnectionService } from './connection-service.ts';
import type { BerthRobots } from './robots.ts';
import type { ConnectionRecord, KubeStore } from './store.ts';
import { credentialsFingerprint } from './sync.ts';

export interface RotationDeps {
  store: KubeStore;
  connections: ConnectionService;
  robots?: BerthRobots;
}

/** Which credential version one cluster holds for a connection. */
export interface ClusterHolding {
  clusterId: number;
  cluster: string;
  /** `current`: every copy has the current credentials; `previous`: some still have older ones; `none`: never written. */
  holds: 'current' | 'previous' | 'none';
  copies: number;
  current: number;
}

export interface RotationStatus {
  connectionId: number;
  robot: string | null;
  /** Until when the robot's previous secret is still accepted; null: no overlap is open. */
  previousSecretUntil: string | null;
  clusters: ClusterHolding[];
  /** True when every cluster holds the current credentials. */
  settled: boolean;
}

export async function rotationStatus(deps: RotationDeps, connectionId: number): Promise<RotationStatus> {
  const { record, connection } = await deps.connections.resolve(connectionId);
  const fingerprint = credentialsFingerprint(connection);
  const byCluster = new Map<number, ClusterHolding>();
  for (const placement of await deps.store.listPlacements({ connectionId })) {
    const cluster = await deps.store.clusterById(placement.clusterId);
    const entry = byCluster.get(placement.clusterId) ?? {
      clusterId: placement.clusterId,
      cluster: cluster?.name ?? `#${placement.clusterId}`,
      holds: 'none' as const,
      copies: 0,
      current: 0,
    };
    const copies = await deps.store.listCopies(placement.id);
    for (const ns of placement.namespaces) {
      const copy = copies.find((c) => c.namespace === ns);
      entry.copies++;
      if (copy?.fingerprint === fingerprint) entry.current++;
      else if (copy?.fingerprint) entry.holds = 'previous';
    }
    byCluster.set(placement.clusterId, entry);
  }
  const clusters = [...byCluster.values()].map((c) => ({
    ...c,
    holds: c.copies > 0 && c.current === c.copies ? ('current' as const) : c.current > 0 ? 'previous' : c.holds,
  }));
  const until = record.berthRobot ? ((await deps.robots?.previousSecretUntil?.(record.berthRobot)) ?? null) : null;
  return {
    connectionId,
    robot: record.berthRobot,
    previousSecretUntil: until,
    clusters,
    settled: clusters.every((c) => c.holds === 'current'),
  };
}

/** Robots whose previous secret is still open and every copy of which now holds the new one: retire it. */
export async function settleRotations(deps: RotationDeps): Promise<string[]> {
  const robots = deps.robots;
  if (!robots?.previousSecretUntil || !robots.retirePreviousSecret) return [];
  const byRobot = new Map<string, ConnectionRecord[]>();
  for (const c of await deps.store.listConnections())
    if (c.berthRobot) byRobot.set(c.berthRobot, [...(byRobot.get(c.berthRobot) ?? []), c]);
  const retired: string[] = [];
  for (const [robot, records] of byRobot) {
    if (!(await robots.previousSecretUntil(robot))) continue;
    const statuses = await Promise.all(records.map((r) => rotationStatus(deps, r.id)));
    if (statuses.every((s) => s.settled)) {
      await robots.retirePreviousSecret(robot);
      retired.push(robot);
    }
  }
  return retired;
}

/** Seconds to keep a robot's old secret on refresh: the window when its secret is copied into a cluster, else 0. */
export async function overlapFor(store: KubeStore, robotName: string, windowSeconds: number): Promise<number> {
  if (windowSeconds <= 0) return 0;
  for (const c of await store.listConnections({ berthRobot: robotName }))
    if ((await store.listPlacements({ connectionId: c.id })).length > 0) return windowSeconds;
  return 0;
}
