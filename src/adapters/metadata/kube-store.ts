/**
 * KubeStore over Kysely (SQLite and PostgreSQL, migration 0004_kube).
 * Lists are JSON text, booleans 0/1; ids come from the database.
 */
import type { Kysely } from 'kysely';
import type {
  ClusterRecord,
  ConnectionPatch,
  ConnectionRecord,
  ConnectionTestRecord,
  ConnectionType,
  CopyRecord,
  GroupPatch,
  GroupRecord,
  KubeStore,
  NewCluster,
  NewConnection,
  NewGroup,
  NewPlacement,
  PlacementPatch,
  PlacementRecord,
} from '../../features/kube/store.ts';

interface Stamped {
  id: number;
  created_at: string;
  updated_at: string;
}

export interface KubeTables {
  kube_connections: Stamped & {
    name: string;
    type: string;
    address: string;
    username: string;
    password_sealed: string;
    email: string | null;
    description: string;
    project_id: number | null;
    berth_robot: string | null;
    /** Migration 0010: JSON of the last connection test. */
    last_test: string | null;
  };
  kube_groups: Stamped & { name: string; upstream: string; upstream_insecure: number; members: string };
  kube_clusters: Stamped & { name: string; kubeconfig_sealed: string; context: string | null; server: string };
  kube_placements: Stamped & {
    connection_id: number;
    cluster_id: number;
    secret_name: string;
    namespaces: string;
    service_accounts: string;
    adopt: number;
  };
  kube_copies: {
    placement_id: number;
    namespace: string;
    state: string;
    message: string | null;
    fingerprint: string | null;
    service_accounts: string;
    synced_at: string | null;
  };
  kube_periodic: { key: string; last_at: string };
}

type Row<T extends keyof KubeTables> = KubeTables[T];
type Insert<T extends keyof KubeTables> = Omit<KubeTables[T], 'id'>;
const now = () => new Date().toISOString();

const toConnection = (r: Row<'kube_connections'>): ConnectionRecord => ({
  id: Number(r.id),
  name: r.name,
  type: r.type as ConnectionType,
  address: r.address,
  username: r.username,
  passwordSealed: r.password_sealed,
  email: r.email,
  description: r.description,
  projectId: r.project_id === null ? null : Number(r.project_id),
  berthRobot: r.berth_robot,
  lastTest: r.last_test ? JSON.parse(r.last_test) : null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toGroup = (r: Row<'kube_groups'>): GroupRecord => ({
  id: Number(r.id),
  name: r.name,
  upstream: r.upstream,
  upstreamInsecure: Number(r.upstream_insecure) === 1,
  members: JSON.parse(r.members),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toCluster = (r: Row<'kube_clusters'>): ClusterRecord => ({
  id: Number(r.id),
  name: r.name,
  kubeconfigSealed: r.kubeconfig_sealed,
  context: r.context,
  server: r.server,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toPlacement = (r: Row<'kube_placements'>): PlacementRecord => ({
  id: Number(r.id),
  connectionId: Number(r.connection_id),
  clusterId: Number(r.cluster_id),
  secretName: r.secret_name,
  namespaces: JSON.parse(r.namespaces),
  serviceAccounts: JSON.parse(r.service_accounts),
  adopt: Number(r.adopt) === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toCopy = (r: Row<'kube_copies'>): CopyRecord => ({
  placementId: Number(r.placement_id),
  namespace: r.namespace,
  state: r.state as CopyRecord['state'],
  message: r.message,
  fingerprint: r.fingerprint,
  serviceAccounts: JSON.parse(r.service_accounts),
  syncedAt: r.synced_at,
});

/** A unique-constraint violation on either dialect. */
function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return (
    err?.code === '23505' || err?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint/.test(err?.message ?? '')
  );
}

export class KyselyKubeStore implements KubeStore {
  constructor(private readonly db: Kysely<KubeTables>) {}

  /** The store over a database that already has other tables (the metadata store's). */
  static over<DB>(db: Kysely<DB>): KyselyKubeStore {
    // Same connection pool; only the table types differ.
    return new KyselyKubeStore(db as unknown as Kysely<KubeTables>);
  }

  private async insert<T extends 'kube_connections' | 'kube_groups' | 'kube_clusters' | 'kube_placements'>(
    table: T,
    values: Omit<Insert<T>, 'created_at' | 'updated_at'>,
  ): Promise<Row<T> | null> {
    const t = now();
    try {
      const row = await this.db
        .insertInto(table)
        // biome-ignore lint/suspicious/noExplicitAny: the four tables share this generic insert.
        .values({ ...values, created_at: t, updated_at: t } as any)
        .returningAll()
        .executeTakeFirstOrThrow();
      return row as unknown as Row<T>;
    } catch (e) {
      if (isUniqueViolation(e)) return null;
      throw e;
    }
  }

  // ------------------------------------------------------------ connections

  async createConnection(c: NewConnection): Promise<ConnectionRecord | null> {
    const row = await this.insert('kube_connections', {
      name: c.name,
      type: c.type,
      address: c.address,
      username: c.username,
      password_sealed: c.passwordSealed,
      email: c.email,
      description: c.description,
      project_id: c.projectId,
      berth_robot: c.berthRobot,
      last_test: null,
    });
    return row && toConnection(row);
  }

  async connectionById(id: number): Promise<ConnectionRecord | null> {
    const row = await this.db.selectFrom('kube_connections').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toConnection(row) : null;
  }

  async connectionByName(name: string): Promise<ConnectionRecord | null> {
    const row = await this.db.selectFrom('kube_connections').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toConnection(row) : null;
  }

  async listConnections(filter: { berthRobot?: string } = {}): Promise<ConnectionRecord[]> {
    let q = this.db.selectFrom('kube_connections').selectAll().orderBy('name');
    if (filter.berthRobot !== undefined) q = q.where('berth_robot', '=', filter.berthRobot);
    return (await q.execute()).map(toConnection);
  }

  async updateConnection(id: number, p: ConnectionPatch): Promise<ConnectionRecord | null> {
    const set: Partial<Row<'kube_connections'>> = { updated_at: now() };
    if (p.type !== undefined) set.type = p.type;
    if (p.address !== undefined) set.address = p.address;
    if (p.username !== undefined) set.username = p.username;
    if (p.passwordSealed !== undefined) set.password_sealed = p.passwordSealed;
    if (p.email !== undefined) set.email = p.email;
    if (p.description !== undefined) set.description = p.description;
    if (p.berthRobot !== undefined) set.berth_robot = p.berthRobot;
    await this.db.updateTable('kube_connections').set(set).where('id', '=', id).execute();
    return this.connectionById(id);
  }

  async recordConnectionTest(id: number, test: ConnectionTestRecord): Promise<void> {
    await this.db
      .updateTable('kube_connections')
      .set({ last_test: JSON.stringify(test) })
      .where('id', '=', id)
      .execute();
  }

  async deleteConnection(id: number): Promise<boolean> {
    const res = await this.db.deleteFrom('kube_connections').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  // ------------------------------------------------------------ groups

  async createGroup(g: NewGroup): Promise<GroupRecord | null> {
    const row = await this.insert('kube_groups', {
      name: g.name,
      upstream: g.upstream,
      upstream_insecure: g.upstreamInsecure ? 1 : 0,
      members: JSON.stringify(g.members),
    });
    return row && toGroup(row);
  }

  async groupById(id: number): Promise<GroupRecord | null> {
    const row = await this.db.selectFrom('kube_groups').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toGroup(row) : null;
  }

  async listGroups(): Promise<GroupRecord[]> {
    return (await this.db.selectFrom('kube_groups').selectAll().orderBy('name').execute()).map(toGroup);
  }

  async updateGroup(id: number, p: GroupPatch): Promise<GroupRecord | null> {
    const set: Partial<Row<'kube_groups'>> = { updated_at: now() };
    if (p.upstream !== undefined) set.upstream = p.upstream;
    if (p.upstreamInsecure !== undefined) set.upstream_insecure = p.upstreamInsecure ? 1 : 0;
    if (p.members !== undefined) set.members = JSON.stringify(p.members);
    await this.db.updateTable('kube_groups').set(set).where('id', '=', id).execute();
    return this.groupById(id);
  }

  async deleteGroup(id: number): Promise<boolean> {
    const res = await this.db.deleteFrom('kube_groups').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  // ------------------------------------------------------------ clusters

  async createCluster(c: NewCluster): Promise<ClusterRecord | null> {
    const row = await this.insert('kube_clusters', {
      name: c.name,
      kubeconfig_sealed: c.kubeconfigSealed,
      context: c.context,
      server: c.server,
    });
    return row && toCluster(row);
  }

  async clusterById(id: number): Promise<ClusterRecord | null> {
    const row = await this.db.selectFrom('kube_clusters').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toCluster(row) : null;
  }

  async clusterByName(name: string): Promise<ClusterRecord | null> {
    const row = await this.db.selectFrom('kube_clusters').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toCluster(row) : null;
  }

  async listClusters(): Promise<ClusterRecord[]> {
    return (await this.db.selectFrom('kube_clusters').selectAll().orderBy('name').execute()).map(toCluster);
  }

  async deleteCluster(id: number): Promise<boolean> {
    const res = await this.db.deleteFrom('kube_clusters').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  // ------------------------------------------------------------ placements

  async createPlacement(p: NewPlacement): Promise<PlacementRecord | null> {
    const row = await this.insert('kube_placements', {
      connection_id: p.connectionId,
      cluster_id: p.clusterId,
      secret_name: p.secretName,
      namespaces: JSON.stringify(p.namespaces),
      service_accounts: JSON.stringify(p.serviceAccounts),
      adopt: p.adopt ? 1 : 0,
    });
    return row && toPlacement(row);
  }

  async placementById(id: number): Promise<PlacementRecord | null> {
    const row = await this.db.selectFrom('kube_placements').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toPlacement(row) : null;
  }

  async listPlacements(filter: { connectionId?: number; clusterId?: number } = {}): Promise<PlacementRecord[]> {
    let q = this.db.selectFrom('kube_placements').selectAll().orderBy('id');
    if (filter.connectionId !== undefined) q = q.where('connection_id', '=', filter.connectionId);
    if (filter.clusterId !== undefined) q = q.where('cluster_id', '=', filter.clusterId);
    return (await q.execute()).map(toPlacement);
  }

  async updatePlacement(id: number, p: PlacementPatch): Promise<PlacementRecord | null> {
    const set: Partial<Row<'kube_placements'>> = { updated_at: now() };
    if (p.namespaces !== undefined) set.namespaces = JSON.stringify(p.namespaces);
    if (p.serviceAccounts !== undefined) set.service_accounts = JSON.stringify(p.serviceAccounts);
    if (p.adopt !== undefined) set.adopt = p.adopt ? 1 : 0;
    await this.db.updateTable('kube_placements').set(set).where('id', '=', id).execute();
    return this.placementById(id);
  }

  async deletePlacement(id: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('kube_copies').where('placement_id', '=', id).execute();
      const res = await trx.deleteFrom('kube_placements').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  // ------------------------------------------------------------ copies

  async recordCopies(placementId: number, copies: CopyRecord[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('kube_copies').where('placement_id', '=', placementId).execute();
      if (copies.length === 0) return;
      await trx
        .insertInto('kube_copies')
        .values(
          copies.map((c) => ({
            placement_id: placementId,
            namespace: c.namespace,
            state: c.state,
            message: c.message,
            fingerprint: c.fingerprint,
            service_accounts: JSON.stringify(c.serviceAccounts),
            synced_at: c.syncedAt,
          })),
        )
        .execute();
    });
  }

  async listCopies(placementId: number): Promise<CopyRecord[]> {
    const rows = await this.db
      .selectFrom('kube_copies')
      .selectAll()
      .where('placement_id', '=', placementId)
      .orderBy('namespace')
      .execute();
    return rows.map(toCopy);
  }

  // ------------------------------------------------------------ periodic

  async claimPeriodic(key: string, intervalMs: number, at: Date = new Date()): Promise<boolean> {
    const stamp = at.toISOString();
    const inserted = await this.db
      .insertInto('kube_periodic')
      .values({ key, last_at: stamp })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return true;
    // ISO times compare as text; only one node's UPDATE matches the old value.
    const res = await this.db
      .updateTable('kube_periodic')
      .set({ last_at: stamp })
      .where('key', '=', key)
      .where('last_at', '<=', new Date(at.getTime() - intervalMs).toISOString())
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }
}
