import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { clusterFromKubeconfig } from '../../src/adapters/kubernetes/client-node-cluster.ts';
import { OutboundPolicy } from '../../src/core/outbound.ts';
import type { KubeCluster } from '../../src/features/kube/cluster.ts';
import { diagnoseImage, diagnosePod, PodNotFoundError } from '../../src/features/kube/diagnose.ts';
import { pullSecretObject } from '../../src/features/kube/pullsecret.ts';
import { FakeApiServer } from './fake-apiserver.ts';
import { TestRegistry } from './test-registry.ts';

/** The test registries listen on loopback. */
const loopback = { outbound: OutboundPolicy.fromList(['127.0.0.0/8', '::1']) };

const users = {
  ci: { password: 'good-password', pull: '*' as const },
  limited: { password: 'limited-password', pull: ['other/thing'] },
};
const repositories = { 'team/app': ['1.0', 'latest'], 'other/thing': ['1'], 'public/tool': ['1'] };

describe('pull diagnosis', () => {
  const api = new FakeApiServer();
  const bearer = new TestRegistry({ auth: 'bearer', users, repositories, public: ['public/tool'] });
  const basic = new TestRegistry({ auth: 'basic', users, repositories });
  const strict = new TestRegistry({ auth: 'bearer', users, repositories, strictScopes: true });
  let cluster: KubeCluster;
  let silent: Server;
  let silentPort = 0;
  const silentSockets: Socket[] = [];
  let closedPort = 0;

  /** Puts a pull secret (as kubectl would create it) into a namespace. */
  function secret(namespace: string, name: string, server: string, username: string, password: string): void {
    api.put('secrets', namespace, pullSecretObject({ name, server, username, password }));
  }

  before(async () => {
    await Promise.all([api.start(), bearer.start(), basic.start(), strict.start()]);
    cluster = clusterFromKubeconfig(api.kubeconfig());
    // A port that accepts connections and never answers, and one with nothing listening.
    silent = createServer((socket) => silentSockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as { port: number }).port;
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));

    for (const ns of ['empty', 'unref', 'apps', 'badcreds', 'basic', 'limited', 'dangling']) api.addNamespace(ns);
    secret('unref', 'berth-pull', bearer.url, 'ci', 'good-password');
    secret('apps', 'berth-pull', bearer.url, 'ci', 'good-password');
    api.put('serviceaccounts', 'apps', { metadata: { name: 'default' }, imagePullSecrets: [{ name: 'berth-pull' }] });
    secret('badcreds', 'berth-pull', bearer.url, 'ci', 'wrong-password');
    api.put('serviceaccounts', 'badcreds', {
      metadata: { name: 'default' },
      imagePullSecrets: [{ name: 'berth-pull' }],
    });
    // A schemeless key, as `docker login` writes them.
    secret('basic', 'regcred', basic.host, 'ci', 'wrong-password');
    api.put('serviceaccounts', 'basic', { metadata: { name: 'default' }, imagePullSecrets: [{ name: 'regcred' }] });
    secret('limited', 'berth-pull', bearer.url, 'limited', 'limited-password');
    api.put('serviceaccounts', 'limited', {
      metadata: { name: 'default' },
      imagePullSecrets: [{ name: 'berth-pull' }],
    });
    secret('dangling', 'dockerhub', 'https://index.docker.io/v1/', 'me', 'pw');
    for (const [ns, password] of [
      ['strict', 'good-password'],
      ['strict-bad', 'wrong-password'],
    ] as const) {
      api.addNamespace(ns);
      secret(ns, 'strict-pull', strict.url, 'ci', password);
      api.put('serviceaccounts', ns, { metadata: { name: 'default' }, imagePullSecrets: [{ name: 'strict-pull' }] });
    }
  });
  after(async () => {
    for (const s of silentSockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
    await Promise.all([api.stop(), bearer.stop(), basic.stop(), strict.stop()]);
  });

  it('PULLABLE: valid credentials from the service account and an existing tag', async () => {
    const d = await diagnoseImage(cluster, { namespace: 'apps', image: `${bearer.host}/team/app:1.0` }, loopback);
    assert.equal(d.code, 'PULLABLE', d.message);
    assert.ok(d.ok);
    assert.deepEqual(d.secretsTried, ['berth-pull']);
    assert.ok(bearer.requests.some((r) => r.path === '/token' && r.authorization?.startsWith('Basic ')));
  });

  it('PULLABLE: a public image needs no secret', async () => {
    const d = await diagnoseImage(cluster, { namespace: 'empty', image: `${bearer.host}/public/tool:1` }, loopback);
    assert.equal(d.code, 'PULLABLE', d.message);
    assert.match(d.message, /anonymously/);
  });

  it('NO_PULL_SECRET: no secret in the namespace for the registry host', async () => {
    const d = await diagnoseImage(cluster, { namespace: 'empty', image: `${bearer.host}/team/app:1.0` }, loopback);
    assert.equal(d.code, 'NO_PULL_SECRET', d.message);
    assert.ok(!d.ok);
    assert.match(
      d.message,
      new RegExp(`${bearer.host} needs credentials and namespace "empty" has no pull secret for it`),
    );
  });

  it('NO_PULL_SECRET: names referenced secrets that are missing or for another registry', async () => {
    api.put('pods', 'dangling', {
      metadata: { name: 'web' },
      spec: {
        imagePullSecrets: [{ name: 'regcred' }, { name: 'dockerhub' }],
        containers: [{ name: 'web', image: `${bearer.host}/team/app:1.0` }],
      },
    });
    const d = await diagnosePod(cluster, 'dangling', 'web', loopback);
    assert.equal(d.images[0]!.code, 'NO_PULL_SECRET');
    assert.match(d.images[0]!.message, /"regcred" do not exist/);
    assert.match(d.images[0]!.message, /"dockerhub" \(index\.docker\.io\) are for other registries/);
  });

  it('SECRET_NOT_REFERENCED: the secret exists but neither pod nor service account refers to it', async () => {
    const d = await diagnoseImage(cluster, { namespace: 'unref', image: `${bearer.host}/team/app:1.0` }, loopback);
    assert.equal(d.code, 'SECRET_NOT_REFERENCED', d.message);
    assert.match(d.message, /secret "berth-pull" in namespace "unref" has them/);
    assert.match(d.message, /service account "default"/);
  });

  it('WRONG_CREDENTIALS: the token endpoint refuses the password', async () => {
    const d = await diagnoseImage(cluster, { namespace: 'badcreds', image: `${bearer.host}/team/app:1.0` }, loopback);
    assert.equal(d.code, 'WRONG_CREDENTIALS', d.message);
    assert.match(
      d.message,
      /token endpoint http:\/\/127\.0\.0\.1:\d+\/token refused the username and password \(HTTP 401\)/,
    );
    assert.match(d.message, /secret "berth-pull" \(user "ci"\)/);
  });

  it('WRONG_CREDENTIALS: a Basic-auth registry refuses the password (schemeless secret key)', async () => {
    const d = await diagnoseImage(cluster, { namespace: 'basic', image: `${basic.host}/team/app:1.0` }, loopback);
    assert.equal(d.code, 'WRONG_CREDENTIALS', d.message);
    assert.match(d.message, /\/v2\/ refused the username and password \(HTTP 401\)/);
  });

  it('ACCESS_DENIED: valid credentials without pull access to the repository', async () => {
    const d = await diagnoseImage(cluster, { namespace: 'limited', image: `${bearer.host}/team/app:1.0` }, loopback);
    assert.equal(d.code, 'ACCESS_DENIED', d.message);
    assert.match(d.message, /are valid, but .* refuses to let user "limited" pull team\/app/);
  });

  it('REPOSITORY_NOT_FOUND: HEAD manifest is 404 and no repository differs only by case', async () => {
    const d = await diagnoseImage(cluster, { namespace: 'apps', image: `${bearer.host}/team/missing:1.0` }, loopback);
    assert.equal(d.code, 'REPOSITORY_NOT_FOUND', d.message);
    assert.match(d.message, /repository team\/missing does not exist/);
    assert.ok(bearer.requests.some((r) => r.method === 'HEAD' && r.path === '/v2/team/missing/manifests/1.0'));
  });

  it('MANIFEST_NOT_FOUND: the repository exists but not the tag', async () => {
    const d = await diagnoseImage(cluster, { namespace: 'apps', image: `${bearer.host}/team/app:2.0` }, loopback);
    assert.equal(d.code, 'MANIFEST_NOT_FOUND', d.message);
    assert.match(d.message, /exists but has no tag "2\.0"/);
    assert.equal(d.suggestion, undefined);
  });

  it('MANIFEST_NOT_FOUND: suggests a tag that differs only by case', async () => {
    const d = await diagnoseImage(cluster, { namespace: 'apps', image: `${bearer.host}/team/app:Latest` }, loopback);
    assert.equal(d.code, 'MANIFEST_NOT_FOUND', d.message);
    assert.equal(d.suggestion, `${bearer.host}/team/app:latest`);
  });

  it('MANIFEST_NOT_FOUND: a pinned digest that is not there', async () => {
    const digest = `sha256:${'0'.repeat(64)}`;
    const d = await diagnoseImage(cluster, { namespace: 'apps', image: `${bearer.host}/team/app@${digest}` }, loopback);
    assert.equal(d.code, 'MANIFEST_NOT_FOUND', d.message);
    assert.match(d.message, /has no manifest sha256:0{64}/);
  });

  it('WRONG_CASE: suggests the repository that differs only by case (from /v2/_catalog)', async () => {
    const d = await diagnoseImage(cluster, { namespace: 'apps', image: `${bearer.host}/Team/App:1.0` }, loopback);
    assert.equal(d.code, 'WRONG_CASE', d.message);
    assert.equal(d.suggestion, `${bearer.host}/team/app:1.0`);
    assert.match(d.message, /"Team\/App" does not exist, but "team\/app" does/);
    assert.ok(bearer.requests.some((r) => r.path === '/v2/_catalog'));
  });

  it('WRONG_CASE where the token endpoint refuses a name with capitals (400), not WRONG_CREDENTIALS', async () => {
    const d = await diagnoseImage(cluster, { namespace: 'strict', image: `${strict.host}/Team/App:1.0` }, loopback);
    assert.equal(d.code, 'WRONG_CASE', d.message);
    assert.equal(d.suggestion, `${strict.host}/team/app:1.0`);
    const none = await diagnoseImage(cluster, { namespace: 'strict', image: `${strict.host}/Team/Nope:1.0` }, loopback);
    assert.equal(none.code, 'REPOSITORY_NOT_FOUND', none.message);
    assert.match(none.message, /refuses the repository name "Team\/Nope"/);
    const bad = await diagnoseImage(
      cluster,
      { namespace: 'strict-bad', image: `${strict.host}/Team/App:1.0` },
      loopback,
    );
    assert.equal(bad.code, 'WRONG_CREDENTIALS', bad.message);
  });

  it('REGISTRY_UNREACHABLE: connection refused', async () => {
    const d = await diagnoseImage(
      cluster,
      { namespace: 'apps', image: `127.0.0.1:${closedPort}/team/app:1.0` },
      loopback,
    );
    assert.equal(d.code, 'REGISTRY_UNREACHABLE', d.message);
    assert.match(d.message, /refused the connection/);
  });

  it('REGISTRY_UNREACHABLE: no answer within the timeout', async () => {
    const started = Date.now();
    const d = await diagnoseImage(
      cluster,
      { namespace: 'apps', image: `127.0.0.1:${silentPort}/team/app:1.0` },
      { timeoutMs: 300, ...loopback },
    );
    assert.equal(d.code, 'REGISTRY_UNREACHABLE', d.message);
    assert.match(d.message, /did not answer within 300 ms/);
    assert.ok(Date.now() - started < 5000);
  });

  it('INVALID_IMAGE_REFERENCE: a reference the runtime cannot parse', async () => {
    const d = await diagnoseImage(cluster, { namespace: 'apps', image: `${bearer.host}/team/app:bad tag` }, loopback);
    assert.equal(d.code, 'INVALID_IMAGE_REFERENCE');
  });

  it('diagnoses every container of a pod, with the kubelet reason and warning events', async () => {
    api.put('serviceaccounts', 'apps', { metadata: { name: 'builder' }, imagePullSecrets: [{ name: 'berth-pull' }] });
    api.put('pods', 'apps', {
      metadata: { name: 'web-1' },
      spec: {
        serviceAccountName: 'builder',
        initContainers: [{ name: 'migrate', image: `${bearer.host}/team/app:1.0` }],
        containers: [{ name: 'web', image: `${bearer.host}/team/app:3.0` }],
      },
      status: {
        containerStatuses: [
          { name: 'web', image: `${bearer.host}/team/app:3.0`, state: { waiting: { reason: 'ImagePullBackOff' } } },
        ],
      },
    });
    api.addPodEvent('apps', 'web-1', { type: 'Warning', reason: 'Failed', message: 'Failed to pull image: not found' });
    api.addPodEvent('apps', 'web-1', { type: 'Normal', reason: 'Scheduled', message: 'assigned' });
    const d = await diagnosePod(cluster, 'apps', 'web-1', loopback);
    assert.equal(d.serviceAccount, 'builder');
    assert.deepEqual(
      d.images.map((i) => [i.container, i.code]),
      [
        ['migrate', 'PULLABLE'],
        ['web', 'MANIFEST_NOT_FOUND'],
      ],
    );
    assert.equal(d.images[1]!.kubeletReason, 'ImagePullBackOff');
    assert.deepEqual(d.events, ['Failed: Failed to pull image: not found']);
  });

  it('a missing pod is an error of its own', async () => {
    await assert.rejects(diagnosePod(cluster, 'apps', 'nope', loopback), PodNotFoundError);
  });
});
