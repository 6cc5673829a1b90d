/** The reconcile worker on the shared job queue (SQLite), against the fake API server. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clusterFromKubeconfig } from '../../src/adapters/kubernetes/client-node-cluster.ts';
import { KyselyKubeStore } from '../../src/adapters/metadata/kube-store.ts';
import { SqliteStore } from '../../src/adapters/metadata/sqlite.ts';
import { OutboundPolicy } from '../../src/core/outbound.ts';
import { createKube, type KubeFeature } from '../../src/features/kube/feature.ts';
import { SecretBox } from '../../src/features/kube/secretbox.ts';
import { FakeApiServer } from './fake-apiserver.ts';

describe('kube reconcile worker', () => {
  const api = new FakeApiServer();
  let dir: string;
  let metadata: SqliteStore;
  let kube: KubeFeature;
  let connectionId = 0;
  let placementId = 0;
  const password = (ns: string) =>
    JSON.parse(Buffer.from(api.get('secrets', ns, 'internal-pull')!.data['.dockerconfigjson'], 'base64').toString())
      .auths['https://reg.example.com'].password;

  before(async () => {
    await api.start();
    for (const ns of ['team-a', 'locked']) api.addNamespace(ns);
    dir = await mkdtemp(join(tmpdir(), 'berth-kube-worker-'));
    metadata = await SqliteStore.open(join(dir, 'berth.db'));
    kube = createKube({
      store: KyselyKubeStore.over(metadata.db),
      box: new SecretBox('a test key of enough length'),
      jobs: metadata.jobs,
      clusterFor: (kubeconfig, context) => clusterFromKubeconfig(kubeconfig, { context }),
      outbound: OutboundPolicy.fromList(['127.0.0.0/8', '::1']),
      worker: { owner: 'node-1', retryMs: 1, pollMs: 20, fullIntervalMs: 0 },
    });
    const c = await kube.connections.create({
      name: 'internal',
      type: 'berth',
      address: 'https://reg.example.com',
      username: 'robot$ci',
      password: 'first',
    });
    connectionId = c.id;
    const { cluster } = await kube.clusters.register({ name: 'prod', kubeconfig: api.kubeconfig() });
    const p = await kube.clusters.place({ connectionId, clusterId: cluster.id, namespaces: ['team-a', 'locked'] });
    placementId = p.id;
  });
  after(async () => {
    await kube.worker.stop();
    await metadata.close();
    await api.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('records a failed copy, retries the job, and completes once the cluster lets it write', async () => {
    api.forbiddenNamespaces.add('locked');
    const { jobId } = await kube.connections.update(connectionId, { password: 'second' });
    assert.ok(jobId);
    assert.equal(await kube.worker.runOnce(), true);
    const info = await metadata.jobs.info(jobId);
    assert.equal(info?.status, 'queued', 'queued again for a retry');
    assert.match(info?.lastError ?? '', /locked: Forbidden: .*cannot get resource "secrets"/);
    const copies = await kube.clusters.copies(placementId);
    assert.deepEqual(
      copies.map((c) => [c.namespace, c.state]),
      [
        ['locked', 'failed'],
        ['team-a', 'created'],
      ],
    );
    assert.equal(copies[0]!.fingerprint, null, 'a failed copy keeps the fingerprint it had');
    assert.equal(password('team-a'), 'second');

    api.forbiddenNamespaces.delete('locked');
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(await kube.worker.runOnce(), true);
    assert.equal((await metadata.jobs.info(jobId))?.status, 'done');
    assert.equal(password('locked'), 'second');
    assert.equal(await kube.worker.runOnce(), false, 'nothing left');
  });

  it('a job for a connection removed meanwhile completes without work', async () => {
    const other = await kube.connections.create({
      name: 'gone',
      type: 'oci',
      address: 'https://gone.example.com',
      username: 'u',
      password: 'p',
    });
    const jobId = await metadata.jobs.enqueue('kube.reconcile', { connectionId: other.id, reason: 'test' });
    await kube.connections.delete(other.id);
    assert.equal(await kube.worker.runOnce(), true);
    assert.equal((await metadata.jobs.info(jobId))?.status, 'done');
  });

  it('the started worker runs the periodic full reconcile, which repairs a deleted copy', async () => {
    api.remove('secrets', 'team-a', 'internal-pull');
    const periodic = createKube({
      store: KyselyKubeStore.over(metadata.db),
      box: new SecretBox('a test key of enough length'),
      jobs: metadata.jobs,
      clusterFor: (kubeconfig, context) => clusterFromKubeconfig(kubeconfig, { context }),
      outbound: OutboundPolicy.fromList(['127.0.0.0/8', '::1']),
      worker: { owner: 'node-2', pollMs: 20, fullIntervalMs: 3_600_000 },
    });
    periodic.worker.start();
    try {
      const deadline = Date.now() + 10_000;
      while (!api.get('secrets', 'team-a', 'internal-pull') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(api.get('secrets', 'team-a', 'internal-pull'), 'the copy is back');
      assert.equal(password('team-a'), 'second');
    } finally {
      await periodic.worker.stop();
    }
    // Within the hour no other node claims another full reconcile.
    assert.equal(await KyselyKubeStore.over(metadata.db).claimPeriodic('kube.full-reconcile', 3_600_000), false);
  });
});
