/** The Kubernetes resources with authentication on: who may manage them, and robot secret rotation. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ADMIN,
  addMember,
  api,
  basic,
  createProject,
  createUser,
  errorCode,
  type Running,
  startBerth,
} from '../access/support.ts';
import { FakeApiServer } from './fake-apiserver.ts';

describe('kube API with authentication', () => {
  const cluster = new FakeApiServer();
  let r: Running;
  let projectId = 0;
  const alice = basic('alice', 'Passw0rdX');
  const bob = basic('bob', 'Passw0rdX');
  const conn = (name: string, extra: object = {}) => ({
    name,
    type: 'berth',
    address: 'https://reg.example.com',
    username: 'u',
    password: 'p',
    ...extra,
  });

  before(async () => {
    await cluster.start();
    cluster.addNamespace('team-a');
    r = await startBerth({ BERTH_KUBE_RECONCILE_INTERVAL: '0', BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1' });
    await createUser(r, 'alice');
    await createUser(r, 'bob');
    projectId = await createProject(r, 'team');
    await addMember(r, 'team', 'alice', 1); // projectAdmin
    await addMember(r, 'team', 'bob', 2); // developer
  });
  after(async () => {
    await r.close();
    await cluster.stop();
  });

  it('refuses anonymous callers and users who are not administrators', async () => {
    assert.equal((await api(r, 'GET', '/kube/connections')).status, 401);
    assert.equal((await api(r, 'GET', '/kube/connections', { auth: bob })).status, 403);
    const byBob = await api(r, 'POST', '/kube/connections', { auth: bob, body: conn('x') });
    assert.equal(byBob.status, 403);
    assert.equal(errorCode(byBob), 'FORBIDDEN');
    assert.equal((await api(r, 'GET', '/kube/connections', { auth: ADMIN })).status, 200);
  });

  it('lets a project administrator manage the connections of that project only', async () => {
    const own = await api(r, 'POST', '/kube/connections', {
      auth: alice,
      body: conn('team-reg', { project_id: projectId }),
    });
    assert.equal(own.status, 201, own.body);
    assert.equal((await api(r, 'GET', `/kube/connections/${own.json.id}`, { auth: alice })).status, 200);
    assert.equal((await api(r, 'GET', `/kube/connections/${own.json.id}`, { auth: bob })).status, 403);
    const system = await api(r, 'POST', '/kube/connections', { auth: alice, body: conn('sys') });
    assert.equal(system.status, 403);
    const clusterReg = await api(r, 'POST', '/kube/clusters', {
      auth: alice,
      body: { name: 'prod', kubeconfig: cluster.kubeconfig() },
    });
    assert.equal(clusterReg.status, 403);
  });

  it('a robot secret refresh updates the connection carrying it and its copies in clusters', async () => {
    const robot = await api(r, 'POST', '/robots', {
      auth: ADMIN,
      body: {
        name: 'k8s',
        level: 'system',
        permissions: [{ kind: 'project', namespace: 'team', access: [{ resource: 'repository', action: 'pull' }] }],
      },
    });
    assert.equal(robot.status, 201, robot.body);
    const c = await api(r, 'POST', '/kube/connections', {
      auth: ADMIN,
      body: conn('berth-self', {
        username: robot.json.name,
        password: robot.json.secret,
        berth_robot: robot.json.name,
      }),
    });
    assert.equal(c.status, 201, c.body);
    const reg = await api(r, 'POST', '/kube/clusters', {
      auth: ADMIN,
      body: { name: 'prod', kubeconfig: cluster.kubeconfig() },
    });
    assert.equal(reg.status, 201, reg.body);
    const p = await api(r, 'POST', '/kube/placements', {
      auth: ADMIN,
      body: { connection_id: c.json.id, cluster_id: reg.json.id, namespaces: ['team-a'] },
    });
    assert.equal((await api(r, 'POST', `/kube/placements/${p.json.id}/sync`, { auth: ADMIN })).status, 200);

    const refreshed = await api(r, 'PATCH', `/robots/${robot.json.id}`, { auth: ADMIN, body: {} });
    assert.equal(refreshed.status, 200, refreshed.body);
    const secret = refreshed.json.secret as string;
    assert.notEqual(secret, robot.json.secret);
    const deadline = Date.now() + 10_000;
    const stored = () => {
      const s = cluster.get('secrets', 'team-a', 'berth-self-pull');
      const config = JSON.parse(Buffer.from(s!.data['.dockerconfigjson'], 'base64').toString());
      return config.auths['https://reg.example.com'].password as string;
    };
    while (stored() !== secret && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    assert.equal(stored(), secret);
  });
});
