/** The KubeStore contract, run on SQLite and PostgreSQL (two stores over one database = two nodes). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeStore, NewConnection } from '../../src/features/kube/store.ts';

export interface KubeStoreFixture {
  a: KubeStore;
  b: KubeStore;
  cleanup(): Promise<void>;
}

const connection = (name: string, extra: Partial<NewConnection> = {}): NewConnection => ({
  name,
  type: 'berth',
  address: 'https://reg.example.com',
  username: 'robot$ci',
  passwordSealed: 'bx1.sealed',
  email: null,
  description: '',
  projectId: null,
  berthRobot: null,
  ...extra,
});

export function kubeStoreSuite(dialect: string, open: () => Promise<KubeStoreFixture>): void {
  describe(`KubeStore on ${dialect}`, () => {
    let f: KubeStoreFixture;
    before(async () => {
      f = await open();
    });
    after(() => f.cleanup());

    it('creates, reads, changes and deletes connections; names are unique', async () => {
      const c = await f.a.createConnection(connection('internal', { projectId: 7, berthRobot: 'robot$team+k8s' }));
      assert.ok(c);
      assert.equal(c.name, 'internal');
      assert.equal(c.projectId, 7);
      assert.equal(await f.b.createConnection(connection('internal')), null);
      assert.deepEqual(await f.b.connectionByName('internal'), c);
      const changed = await f.a.updateConnection(c.id, { passwordSealed: 'bx1.other', email: 'a@b.c' });
      assert.equal(changed?.passwordSealed, 'bx1.other');
      assert.equal(changed?.email, 'a@b.c');
      assert.equal(changed?.username, 'robot$ci');
      assert.deepEqual(
        (await f.a.listConnections({ berthRobot: 'robot$team+k8s' })).map((x) => x.id),
        [c.id],
      );
      assert.deepEqual(await f.a.listConnections({ berthRobot: 'robot$other' }), []);
      const other = await f.a.createConnection(connection('dockerhub'));
      assert.deepEqual(
        (await f.b.listConnections()).map((x) => x.name),
        ['dockerhub', 'internal'],
      );
      assert.ok(await f.a.deleteConnection(other!.id));
      assert.equal(await f.a.deleteConnection(other!.id), false);
      assert.equal(await f.a.connectionById(other!.id), null);
    });

    it('keeps the last connection test without touching the update time', async () => {
      const c = await f.a.createConnection(connection('tested'));
      assert.equal(c?.lastTest, null);
      const test = {
        ok: false,
        at: '2026-01-02T03:04:05.000Z',
        checks: [
          { step: 'reachable' as const, ok: true, message: 'answered' },
          { step: 'credentials' as const, ok: false, message: 'refused' },
        ],
      };
      await f.a.recordConnectionTest(c!.id, test);
      const read = await f.b.connectionById(c!.id);
      assert.deepEqual(read?.lastTest, test);
      assert.equal(read?.updatedAt, c!.updatedAt);
      assert.ok(await f.a.deleteConnection(c!.id));
    });

    it('keeps group members in their order', async () => {
      const g = await f.a.createGroup({
        name: 'hub',
        upstream: 'docker.io',
        upstreamInsecure: false,
        members: [{ connectionId: 2, project: 'dockerhub-proxy' }, { connectionId: 1 }],
      });
      assert.ok(g);
      assert.equal(await f.a.createGroup({ ...g, name: 'hub' }), null);
      const got = await f.b.groupById(g.id);
      assert.deepEqual(got?.members, [{ connectionId: 2, project: 'dockerhub-proxy' }, { connectionId: 1 }]);
      const changed = await f.b.updateGroup(g.id, { members: [{ connectionId: 1 }], upstreamInsecure: true });
      assert.deepEqual(changed?.members, [{ connectionId: 1 }]);
      assert.equal(changed?.upstreamInsecure, true);
      assert.ok(await f.a.deleteGroup(g.id));
      assert.deepEqual(await f.a.listGroups(), []);
    });

    it('stores clusters, placements and copy states', async () => {
      const conn = (await f.a.connectionByName('internal'))!;
      const cluster = await f.a.createCluster({
        name: 'prod',
        kubeconfigSealed: 'bx1.k',
        context: null,
        server: 'https://k',
      });
      assert.ok(cluster);
      assert.equal(await f.b.createCluster({ ...cluster, name: 'prod' }), null);
      assert.deepEqual(await f.b.clusterByName('prod'), cluster);
      const p = await f.a.createPlacement({
        connectionId: conn.id,
        clusterId: cluster.id,
        secretName: 'internal-pull',
        namespaces: ['team-a', 'team-b'],
        serviceAccounts: ['default'],
        adopt: false,
      });
      assert.ok(p);
      assert.deepEqual(p.namespaces, ['team-a', 'team-b']);
      assert.equal(
        await f.a.createPlacement({ ...p, namespaces: ['x'] }),
        null,
        'same connection, cluster and secret name',
      );
      const updated = await f.b.updatePlacement(p.id, { namespaces: ['team-a'], adopt: true });
      assert.deepEqual(updated?.namespaces, ['team-a']);
      assert.equal(updated?.adopt, true);
      assert.deepEqual(
        (await f.a.listPlacements({ connectionId: conn.id })).map((x) => x.id),
        [p.id],
      );
      assert.deepEqual(await f.a.listPlacements({ clusterId: cluster.id + 1000 }), []);

      const at = new Date().toISOString();
      await f.a.recordCopies(p.id, [
        {
          placementId: p.id,
          namespace: 'team-b',
          state: 'failed',
          message: 'Forbidden',
          fingerprint: null,
          serviceAccounts: [],
          syncedAt: at,
        },
        {
          placementId: p.id,
          namespace: 'team-a',
          state: 'created',
          message: null,
          fingerprint: 'abc',
          serviceAccounts: [{ name: 'default', state: 'added' }],
          syncedAt: at,
        },
      ]);
      const copies = await f.b.listCopies(p.id);
      assert.deepEqual(
        copies.map((c) => [c.namespace, c.state, c.fingerprint, c.serviceAccounts.length]),
        [
          ['team-a', 'created', 'abc', 1],
          ['team-b', 'failed', null, 0],
        ],
      );
      await f.a.recordCopies(p.id, [{ ...copies[0]!, state: 'unchanged' }]);
      assert.deepEqual(
        (await f.a.listCopies(p.id)).map((c) => c.state),
        ['unchanged'],
      );
      assert.ok(await f.a.deletePlacement(p.id));
      assert.deepEqual(await f.a.listCopies(p.id), []);
      assert.ok(await f.a.deleteCluster(cluster.id));
    });

    it('lets exactly one node claim each period', async () => {
      const t0 = new Date('2030-01-01T00:00:00Z');
      const first = await Promise.all([f.a.claimPeriodic('k', 60_000, t0), f.b.claimPeriodic('k', 60_000, t0)]);
      assert.deepEqual(first.sort(), [false, true]);
      assert.equal(await f.a.claimPeriodic('k', 60_000, new Date(t0.getTime() + 30_000)), false);
      const later = new Date(t0.getTime() + 61_000);
      const second = await Promise.all([f.a.claimPeriodic('k', 60_000, later), f.b.claimPeriodic('k', 60_000, later)]);
      assert.deepEqual(second.sort(), [false, true]);
      assert.equal(await f.b.claimPeriodic('other', 60_000, t0), true);
    });
  });
}
