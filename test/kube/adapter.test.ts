import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clusterFromKubeconfig } from '../../src/adapters/kubernetes/client-node-cluster.ts';
import { KubeApiError, type KubeCluster } from '../../src/features/kube/cluster.ts';
import { FakeApiServer } from './fake-apiserver.ts';

describe('client-node adapter against the fake API server', () => {
  const api = new FakeApiServer();
  let cluster: KubeCluster;

  before(async () => {
    await api.start();
    api.addNamespace('team-a');
    api.addNamespace('team-b');
    api.put('pods', 'team-a', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1' },
      spec: { serviceAccountName: 'builder', containers: [{ name: 'web', image: 'reg.example.com/team/web:1' }] },
    });
    api.addPodEvent('team-a', 'web-1', { type: 'Warning', reason: 'Failed', message: 'Failed to pull image' });
    api.addPodEvent('team-a', 'other', { type: 'Normal', reason: 'Pulled', message: 'unrelated' });
    cluster = clusterFromKubeconfig(api.kubeconfig());
  });
  after(() => api.stop());

  it('lists namespaces with the kubeconfig token', async () => {
    assert.deepEqual(await cluster.listNamespaces(), ['team-a', 'team-b']);
    const last = api.requests.at(-1)!;
    assert.equal(last.path, '/api/v1/namespaces');
  });

  it('creates, reads and replaces a secret, keeping resourceVersion semantics', async () => {
    const secret = {
      metadata: { name: 'regcred' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': 'e30=' },
    };
    const created = await cluster.createSecret('team-a', secret);
    assert.ok(created.metadata.resourceVersion);
    assert.equal(api.requests.at(-1)!.method, 'POST');
    assert.equal(api.requests.at(-1)!.path, '/api/v1/namespaces/team-a/secrets');

    const read = await cluster.getSecret('team-a', 'regcred');
    assert.equal(read?.data?.['.dockerconfigjson'], 'e30=');

    const replaced = await cluster.replaceSecret('team-a', { ...read!, data: { '.dockerconfigjson': 'e319' } });
    assert.notEqual(replaced.metadata.resourceVersion, read!.metadata.resourceVersion);
    assert.equal(api.get('secrets', 'team-a', 'regcred')!.data['.dockerconfigjson'], 'e319');

    // The stale version is refused with the API's Conflict status.
    await assert.rejects(cluster.replaceSecret('team-a', read!), (e: unknown) => {
      return (
        e instanceof KubeApiError && e.status === 409 && e.reason === 'Conflict' && /has been modified/.test(e.message)
      );
    });
    await assert.rejects(
      cluster.createSecret('team-a', secret),
      (e: unknown) => e instanceof KubeApiError && e.reason === 'AlreadyExists',
    );
  });

  it('returns null for missing objects and maps other failures', async () => {
    assert.equal(await cluster.getSecret('team-a', 'nope'), null);
    assert.equal(await cluster.getPod('team-a', 'nope'), null);
    assert.equal(await cluster.getServiceAccount('team-b', 'nope'), null);
    await assert.rejects(
      cluster.createSecret('missing-ns', { metadata: { name: 'x' } }),
      (e: unknown) =>
        e instanceof KubeApiError && e.status === 404 && /namespaces "missing-ns" not found/.test(e.message),
    );
    api.forbiddenNamespaces.add('team-b');
    try {
      await assert.rejects(
        cluster.getSecret('team-b', 'x'),
        (e: unknown) => e instanceof KubeApiError && e.reason === 'Forbidden',
      );
    } finally {
      api.forbiddenNamespaces.delete('team-b');
    }
  });

  it('lists secrets of one type through a field selector', async () => {
    api.put('secrets', 'team-b', { metadata: { name: 'opaque' }, type: 'Opaque', data: {} });
    api.put('secrets', 'team-b', { metadata: { name: 'pull' }, type: 'kubernetes.io/dockerconfigjson', data: {} });
    const secrets = await cluster.listSecrets('team-b', 'kubernetes.io/dockerconfigjson');
    assert.deepEqual(
      secrets.map((s) => s.metadata.name),
      ['pull'],
    );
    assert.equal(api.requests.at(-1)!.query.get('fieldSelector'), 'type=kubernetes.io/dockerconfigjson');
  });

  it('reads a pod and only its events', async () => {
    const pod = await cluster.getPod('team-a', 'web-1');
    assert.equal(pod?.spec.serviceAccountName, 'builder');
    assert.equal(pod?.spec.containers[0]?.image, 'reg.example.com/team/web:1');
    const events = await cluster.listPodEvents('team-a', 'web-1');
    assert.deepEqual(
      events.map((e) => e.reason),
      ['Failed'],
    );
  });

  it('patches service account pull secrets as a merge patch guarded by resourceVersion', async () => {
    const sa = (await cluster.getServiceAccount('team-a', 'default'))!;
    const patched = await cluster.setServiceAccountPullSecrets(
      'team-a',
      'default',
      [{ name: 'regcred' }],
      sa.metadata.resourceVersion!,
    );
    assert.deepEqual(patched.imagePullSecrets, [{ name: 'regcred' }]);
    const req = api.requests.at(-1)!;
    assert.equal(req.method, 'PATCH');
    assert.equal(req.contentType, 'application/merge-patch+json');
    assert.deepEqual(req.body, {
      metadata: { resourceVersion: sa.metadata.resourceVersion },
      imagePullSecrets: [{ name: 'regcred' }],
    });
    await assert.rejects(
      cluster.setServiceAccountPullSecrets('team-a', 'default', [], sa.metadata.resourceVersion!),
      (e: unknown) => e instanceof KubeApiError && e.status === 409,
    );
  });

  it('fails with Unauthorized on a wrong token', async () => {
    const wrong = clusterFromKubeconfig(api.kubeconfig('wrong'));
    await assert.rejects(wrong.listNamespaces(), (e: unknown) => e instanceof KubeApiError && e.status === 401);
  });

  it('refuses a kubeconfig without a cluster', () => {
    assert.throws(() => clusterFromKubeconfig('apiVersion: v1\nkind: Config\n'), /no current cluster/);
  });
});
