import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { clusterFromKubeconfig } from '../../src/adapters/kubernetes/client-node-cluster.ts';
import type { KubeCluster } from '../../src/features/kube/cluster.ts';
import type { RegistryConnection } from '../../src/features/kube/connections.ts';
import { pullSecretJson } from '../../src/features/kube/pullsecret.ts';
import { credentialsFingerprint, reconcileConnection, syncPullSecret } from '../../src/features/kube/sync.ts';
import { FakeApiServer } from './fake-apiserver.ts';

const connection: RegistryConnection = {
  name: 'internal',
  type: 'berth',
  address: 'https://berth.example.com',
  username: 'robot$ci',
  password: 'first-password',
};

describe('secret sync against the fake API server', () => {
  let api: FakeApiServer;
  let cluster: KubeCluster;

  before(async () => {
    api = await new FakeApiServer().start();
    cluster = clusterFromKubeconfig(api.kubeconfig());
  });
  after(() => api.stop());
  beforeEach(() => {
    for (const ns of ['team-a', 'team-b', 'team-c']) {
      api.addNamespace(ns);
      api.remove('secrets', ns, 'berth-pull');
    }
    api.requests.length = 0;
  });

  it('creates the secret in each namespace and references it from service accounts', async () => {
    const copies = await syncPullSecret(cluster, connection, {
      secretName: 'berth-pull',
      namespaces: ['team-a', 'team-b'],
      serviceAccounts: ['default'],
    });
    assert.deepEqual(
      copies.map((c) => [c.namespace, c.state, c.serviceAccounts.map((s) => s.state).join()]),
      [
        ['team-a', 'created', 'added'],
        ['team-b', 'created', 'added'],
      ],
    );
    const stored = api.get('secrets', 'team-a', 'berth-pull')!;
    assert.equal(stored.type, 'kubernetes.io/dockerconfigjson');
    assert.equal(stored.metadata.labels['app.kubernetes.io/managed-by'], 'berth');
    // The same bytes kubectl would have produced for this connection.
    const kubectlShaped = JSON.parse(
      pullSecretJson({
        name: 'berth-pull',
        server: connection.address,
        username: connection.username,
        password: connection.password,
      }),
    );
    assert.equal(stored.data['.dockerconfigjson'], kubectlShaped.data['.dockerconfigjson']);
    assert.deepEqual(api.get('serviceaccounts', 'team-b', 'default')!.imagePullSecrets, [{ name: 'berth-pull' }]);
  });

  it('is idempotent: a second run writes nothing and duplicates no reference', async () => {
    const target = { secretName: 'berth-pull', namespaces: ['team-a'], serviceAccounts: ['default'] };
    await syncPullSecret(cluster, connection, target);
    const writesBefore = api.writes().length;
    const copies = await syncPullSecret(cluster, connection, target);
    assert.equal(copies[0]!.state, 'unchanged');
    assert.equal(copies[0]!.serviceAccounts[0]!.state, 'present');
    assert.equal(api.writes().length, writesBefore);
    assert.deepEqual(api.get('serviceaccounts', 'team-a', 'default')!.imagePullSecrets, [{ name: 'berth-pull' }]);
  });

  it('keeps existing pull secrets of a service account and appends ours', async () => {
    api.put('serviceaccounts', 'team-c', { metadata: { name: 'builder' }, imagePullSecrets: [{ name: 'dockerhub' }] });
    const copies = await syncPullSecret(cluster, connection, {
      secretName: 'berth-pull',
      namespaces: ['team-c'],
      serviceAccounts: ['builder', 'ghost'],
    });
    assert.deepEqual(api.get('serviceaccounts', 'team-c', 'builder')!.imagePullSecrets, [
      { name: 'dockerhub' },
      { name: 'berth-pull' },
    ]);
    assert.equal(copies[0]!.serviceAccounts[1]!.state, 'failed');
    assert.match(copies[0]!.serviceAccounts[1]!.message!, /service account "ghost" not found/);
  });

  it('does not lose a concurrent edit of the service account (409 then retry)', async () => {
    let interfered = false;
    const racing: KubeCluster = Object.create(cluster);
    racing.setServiceAccountPullSecrets = async (ns, name, secrets, rv) => {
      if (!interfered) {
        interfered = true;
        // Another controller adds its secret between our read and our patch.
        const sa = api.get('serviceaccounts', ns, name)!;
        api.put('serviceaccounts', ns, { ...sa, imagePullSecrets: [{ name: 'other' }] });
      }
      return cluster.setServiceAccountPullSecrets(ns, name, secrets, rv);
    };
    api.put('serviceaccounts', 'team-c', { metadata: { name: 'default' } });
    const copies = await syncPullSecret(racing, connection, {
      secretName: 'berth-pull',
      namespaces: ['team-c'],
      serviceAccounts: ['default'],
    });
    assert.equal(copies[0]!.serviceAccounts[0]!.state, 'added');
    assert.deepEqual(api.get('serviceaccounts', 'team-c', 'default')!.imagePullSecrets, [
      { name: 'other' },
      { name: 'berth-pull' },
    ]);
    // The first patch met a 409 Conflict; the second, after a fresh read, went through.
    assert.equal(api.requests.filter((r) => r.method === 'PATCH').length, 2);
  });

  it('reports each failing namespace with the API message and goes on', async () => {
    api.forbiddenNamespaces.add('team-b');
    try {
      const copies = await syncPullSecret(cluster, connection, {
        secretName: 'berth-pull',
        namespaces: ['missing', 'team-b', 'Bad_NS', 'team-a'],
      });
      assert.deepEqual(
        copies.map((c) => c.state),
        ['failed', 'failed', 'failed', 'created'],
      );
      assert.match(copies[0]!.message!, /NotFound: namespaces "missing" not found/);
      assert.match(copies[1]!.message!, /Forbidden: .*cannot get resource "secrets"/);
      assert.match(copies[2]!.message!, /DNS-1123 label/);
    } finally {
      api.forbiddenNamespaces.delete('team-b');
    }
  });

  it('refuses to overwrite a secret it does not manage unless asked to adopt it', async () => {
    api.put('secrets', 'team-a', {
      metadata: { name: 'berth-pull', labels: { team: 'a' } },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': 'e30=' },
    });
    const refused = await syncPullSecret(cluster, connection, { secretName: 'berth-pull', namespaces: ['team-a'] });
    assert.equal(refused[0]!.state, 'failed');
    assert.match(refused[0]!.message!, /not managed by Berth/);
    assert.equal(api.get('secrets', 'team-a', 'berth-pull')!.data['.dockerconfigjson'], 'e30=');

    const adopted = await syncPullSecret(cluster, connection, {
      secretName: 'berth-pull',
      namespaces: ['team-a'],
      adopt: true,
    });
    assert.equal(adopted[0]!.state, 'updated');
    const labels = api.get('secrets', 'team-a', 'berth-pull')!.metadata.labels;
    assert.deepEqual(labels, { team: 'a', 'app.kubernetes.io/managed-by': 'berth' });
  });

  it('explains that a secret of another type cannot be changed in place', async () => {
    api.put('secrets', 'team-a', {
      metadata: { name: 'berth-pull', labels: { 'app.kubernetes.io/managed-by': 'berth' } },
      type: 'Opaque',
      data: {},
    });
    const copies = await syncPullSecret(cluster, connection, { secretName: 'berth-pull', namespaces: ['team-a'] });
    assert.equal(copies[0]!.state, 'failed');
    assert.match(copies[0]!.message!, /exists with type Opaque; delete it/);
  });

  it('reconcile rewrites every copy when credentials change, and repairs deleted copies', async () => {
    const placements = [
      { clusterId: 'c1', secretName: 'berth-pull', namespaces: ['team-a', 'team-b'], serviceAccounts: ['default'] },
    ];
    const first = await reconcileConnection(connection, placements, () => cluster);
    assert.ok(first.applied);

    const rotated = { ...connection, password: 'rotated-password' };
    api.remove('secrets', 'team-b', 'berth-pull');
    const second = await reconcileConnection(rotated, placements, () => cluster, {
      lastFingerprint: first.fingerprint,
      onlyIfChanged: true,
    });
    assert.notEqual(second.fingerprint, first.fingerprint);
    assert.deepEqual(
      second.placements[0]!.copies.map((c) => c.state),
      ['updated', 'created'],
    );
    const config = JSON.parse(
      Buffer.from(api.get('secrets', 'team-a', 'berth-pull')!.data['.dockerconfigjson'], 'base64').toString(),
    );
    assert.equal(config.auths['https://berth.example.com'].password, 'rotated-password');
    assert.deepEqual(api.get('serviceaccounts', 'team-a', 'default')!.imagePullSecrets, [{ name: 'berth-pull' }]);

    api.requests.length = 0;
    const third = await reconcileConnection(rotated, placements, () => cluster, {
      lastFingerprint: second.fingerprint,
      onlyIfChanged: true,
    });
    assert.equal(third.applied, false);
    assert.equal(api.requests.length, 0);
  });

  it('reconcile reports a cluster that cannot be reached and carries on with the others', async () => {
    const report = await reconcileConnection(
      connection,
      [
        { clusterId: 'gone', secretName: 'berth-pull', namespaces: ['team-a'] },
        { clusterId: 'c1', secretName: 'berth-pull', namespaces: ['team-a'] },
      ],
      (id) => {
        if (id === 'gone') throw new Error('cluster "gone" is not registered');
        return cluster;
      },
    );
    assert.match(report.placements[0]!.error!, /not registered/);
    assert.equal(report.placements[1]!.copies[0]!.state, 'created');
  });

  it('fingerprints change with any credential and not otherwise', () => {
    assert.equal(credentialsFingerprint(connection), credentialsFingerprint({ ...connection }));
    assert.notEqual(credentialsFingerprint(connection), credentialsFingerprint({ ...connection, username: 'other' }));
    assert.notEqual(credentialsFingerprint(connection), credentialsFingerprint({ ...connection, email: 'a@b.c' }));
  });
});
