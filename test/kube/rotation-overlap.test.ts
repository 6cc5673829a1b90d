/**
 * Refreshing the secret of a robot whose pull secret is synced into
 * clusters: the old secret stays valid until every cluster holds the new one
 * (a cluster refusing the write keeps it open), then it is retired; the
 * overlap never outlives kube.rotation_overlap; a robot in no cluster loses
 * its old secret at once (Harbor's rule). GET /kube/connections/{id}/rotation
 * says which credential version each cluster holds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, api, basic, call, createProject, type Running, startBerth } from '../access/support.ts';
import { FakeApiServer } from './fake-apiserver.ts';

/** True when the registry's token endpoint accepts the robot's name and secret. */
async function accepted(r: Running, name: string, secret: string): Promise<boolean> {
  const q = new URLSearchParams({ service: 'berth', scope: 'repository:team/app:pull' });
  const res = await call(r.url, 'GET', `/service/token?${q}`, { auth: basic(name, secret) });
  return res.status === 200;
}

async function waitFor(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((x) => setTimeout(x, 100));
  }
  return check();
}

describe('robot secret rotation with synced clusters', () => {
  const east = new FakeApiServer();
  const west = new FakeApiServer();
  let r: Running;
  let connection = 0;
  let robot = { id: 0, name: '' };
  let westPlacement = 0;
  let first = '';

  before(async () => {
    await east.start();
    await west.start();
    east.addNamespace('apps');
    west.addNamespace('apps');
    r = await startBerth({
      BERTH_KUBE_RECONCILE_INTERVAL: '0',
      BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1',
      BERTH_KUBE_ROTATION_OVERLAP: '3600',
    });
    await createProject(r, 'team');
    const made = await api(r, 'POST', '/kube/connections', {
      auth: ADMIN,
      body: { name: 'ci', address: r.url, robot: { project: 'team' } },
    });
    assert.equal(made.status, 201, made.body);
    connection = made.json.id;
    robot = { id: made.json.robot.id, name: made.json.robot.name };
    // The first secret, as the clusters hold it.
    const secret = await api(r, 'GET', `/kube/connections/${connection}/pullsecret?format=json`, { auth: ADMIN });
    const data = JSON.parse(secret.body).data['.dockerconfigjson'];
    first = (Object.values(JSON.parse(Buffer.from(data, 'base64').toString()).auths)[0] as { password: string })
      .password;
    for (const [name, server] of [
      ['east', east],
      ['west', west],
    ] as const) {
      const c = await api(r, 'POST', '/kube/clusters', {
        auth: ADMIN,
        body: { name, kubeconfig: server.kubeconfig() },
      });
      assert.equal(c.status, 201, c.body);
      const p = await api(r, 'POST', '/kube/placements', {
        auth: ADMIN,
        body: { connection_id: connection, cluster_id: c.json.id, namespaces: ['apps'] },
      });
      assert.equal(p.status, 201, p.body);
      await api(r, 'POST', `/kube/placements/${p.json.id}/sync`, { auth: ADMIN });
      if (name === 'west') westPlacement = p.json.id;
    }
  });
  after(async () => {
    await r?.close();
    await east.stop();
    await west.stop();
  });

  it('before a refresh every cluster holds the current credentials and no overlap is open', async () => {
    const status = (await api(r, 'GET', `/kube/connections/${connection}/rotation`, { auth: ADMIN })).json;
    assert.equal(status.settled, true);
    assert.equal(status.previous_secret_until, null);
    assert.deepEqual(
      status.clusters.map((c: { cluster: string; holds: string }) => [c.cluster, c.holds]),
      [
        ['east', 'current'],
        ['west', 'current'],
      ],
    );
  });

  it('the old secret stays valid while a cluster has not got the new one, then is retired', async () => {
    west.forbiddenNamespaces.add('apps'); // RBAC now refuses west's writes: it keeps the old secret
    const refreshed = await api(r, 'PATCH', `/robots/${robot.id}`, { auth: ADMIN, body: {} });
    assert.equal(refreshed.status, 200, refreshed.body);
    const second = refreshed.json.secret as string;

    // The worker reconciles: east gets the new secret, west refuses it.
    const rotation = async () =>
      (await api(r, 'GET', `/kube/connections/${connection}/rotation`, { auth: ADMIN })).json;
    assert.ok(await waitFor(async () => (await rotation()).clusters[0].holds === 'current'));
    const status = await rotation();
    assert.deepEqual(
      status.clusters.map((c: { cluster: string; holds: string }) => [c.cluster, c.holds]),
      [
        ['east', 'current'],
        ['west', 'previous'],
      ],
    );
    assert.equal(status.settled, false);
    const until = Date.parse(status.previous_secret_until);
    assert.ok(until > Date.now() + 3500_000 && until <= Date.now() + 3600_000, 'the window is kube.rotation_overlap');
    assert.ok(await accepted(r, robot.name, first), 'the old secret still works: west pulls with it');
    assert.ok(await accepted(r, robot.name, second));

    // West comes back and is synced: every cluster holds the new secret, the old one is retired.
    west.forbiddenNamespaces.delete('apps');
    const synced = await api(r, 'POST', `/kube/placements/${westPlacement}/sync`, { auth: ADMIN });
    assert.equal(synced.status, 200, synced.body);
    const settled = await rotation();
    assert.equal(settled.settled, true);
    assert.equal(settled.previous_secret_until, null);
    assert.equal(await accepted(r, robot.name, first), false, 'the old secret stops once all clusters moved');
    assert.ok(await accepted(r, robot.name, second));
  });

  it('a robot that no cluster holds loses its old secret at once', async () => {
    const other = await api(r, 'POST', '/projects/team/robots', {
      auth: ADMIN,
      body: {
        name: 'plain',
        duration: -1,
        level: 'project',
        permissions: [{ kind: 'project', namespace: 'team', access: [{ resource: 'repository', action: 'pull' }] }],
      },
    });
    assert.equal(other.status, 201, other.body);
    const refreshed = await api(r, 'PATCH', `/robots/${other.json.id}`, { auth: ADMIN, body: {} });
    assert.equal(await accepted(r, other.json.name, other.json.secret), false);
    assert.ok(await accepted(r, other.json.name, refreshed.json.secret));
  });
});

describe('the overlap window has an end', () => {
  const cluster = new FakeApiServer();
  let r: Running;

  before(async () => {
    await cluster.start();
    cluster.addNamespace('apps');
    r = await startBerth({
      BERTH_KUBE_RECONCILE_INTERVAL: '0',
      BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1',
      BERTH_KUBE_ROTATION_OVERLAP: '2',
    });
    await createProject(r, 'team');
  });
  after(async () => {
    await r?.close();
    await cluster.stop();
  });

  it('a cluster that never catches up keeps the old secret valid only for kube.rotation_overlap seconds', async () => {
    const made = await api(r, 'POST', '/kube/connections', {
      auth: ADMIN,
      body: { name: 'ci', address: r.url, robot: { project: 'team' } },
    });
    const c = await api(r, 'POST', '/kube/clusters', {
      auth: ADMIN,
      body: { name: 'stuck', kubeconfig: cluster.kubeconfig() },
    });
    const p = await api(r, 'POST', '/kube/placements', {
      auth: ADMIN,
      body: { connection_id: made.json.id, cluster_id: c.json.id, namespaces: ['apps'] },
    });
    await api(r, 'POST', `/kube/placements/${p.json.id}/sync`, { auth: ADMIN });
    const secret = await api(r, 'GET', `/kube/connections/${made.json.id}/pullsecret?format=json`, { auth: ADMIN });
    const data = JSON.parse(secret.body).data['.dockerconfigjson'];
    const old = (Object.values(JSON.parse(Buffer.from(data, 'base64').toString()).auths)[0] as { password: string })
      .password;
    cluster.forbiddenNamespaces.add('apps');
    await api(r, 'PATCH', `/robots/${made.json.robot.id}`, { auth: ADMIN, body: {} });
    assert.ok(await accepted(r, made.json.robot.name, old), 'valid inside the window');
    await new Promise((x) => setTimeout(x, 2500));
    assert.equal(await accepted(r, made.json.robot.name, old), false, 'refused once the window ends');
  });
});
