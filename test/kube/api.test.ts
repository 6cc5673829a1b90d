/**
 * The Kubernetes resources of the management API, through an in-process
 * Berth, against the fake API server (cluster) and the test registry (the
 * registry the connection points at).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { KyselyKubeStore } from '../../src/adapters/metadata/kube-store.ts';
import type { KyselyStore } from '../../src/adapters/metadata/kysely-store.ts';
import { pullSecretJson } from '../../src/features/kube/pullsecret.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import { FakeApiServer } from './fake-apiserver.ts';
import { haveKubectl, kubectl } from './kubectl.ts';
import { TestRegistry } from './test-registry.ts';

describe('kube management API', () => {
  const api = new FakeApiServer();
  const registry = new TestRegistry({
    auth: 'bearer',
    users: { ci: { password: 'good-password', pull: '*' } },
    repositories: { 'team/app': ['1.0'] },
  });
  let berth: RunningBerth;
  let connectionId = 0;
  let clusterId = 0;
  let placementId = 0;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${berth.url}/api/v2.0${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return {
      status: res.status,
      text,
      headers: res.headers,
      json: type.includes('json') && text ? JSON.parse(text) : null,
    };
  };
  const secretConfig = (namespace: string) =>
    JSON.parse(
      Buffer.from(api.get('secrets', namespace, 'internal-pull')!.data['.dockerconfigjson'], 'base64').toString(),
    );

  before(async () => {
    await Promise.all([api.start(), registry.start()]);
    for (const ns of ['team-a', 'team-b', 'lonely']) api.addNamespace(ns);
    berth = await startInProcess({
      env: {
        BERTH_KUBE_RECONCILE_INTERVAL: '0',
        BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1',
        BERTH_PROXY_MIRRORS: 'docker.io=hub-cache,quay.io=quay-cache',
      },
    });
  });
  after(async () => {
    await berth.stop();
    await Promise.all([api.stop(), registry.stop()]);
  });

  it('refuses an address with another scheme, naming the field', async () => {
    const res = await call('POST', '/kube/connections', {
      name: 'internal',
      type: 'berth',
      address: `ftp://${registry.host}`,
      username: 'ci',
      password: 'good-password',
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.errors[0].code, 'BAD_REQUEST');
    assert.match(res.json.errors[0].message, /^address: address must start with https:\/\/ or http:\/\//);
    assert.match(res.json.errors[0].message, new RegExp(`for example https://${registry.host}`));
  });

  it("keeps the server as given, so each pull secret equals kubectl's byte for byte", {
    skip: !haveKubectl,
  }, async () => {
    // Docker Hub's key keeps its /v1/ (kubelet ignores `https://index.docker.io/v1`); a host without a
    // scheme is accepted as kubectl accepts it; case and trailing slashes stay as typed.
    const servers = [
      'https://index.docker.io/v1/',
      'reg.example.com:5000',
      'reg.example.com',
      'https://Reg.Example.com:8443/',
      'http://10.0.0.5:8080/v2/',
    ];
    for (const [i, server] of servers.entries()) {
      const made = await call('POST', '/kube/connections', {
        name: `kubectl-${i}`,
        type: 'oci',
        address: server,
        username: 'me',
        password: 'pw:with:colons',
      });
      assert.equal(made.status, 201, made.text);
      assert.equal(made.json.address, server);
      const input = { name: 'regcred', namespace: 'team-a', server, username: 'me', password: 'pw:with:colons' };
      const path = `/kube/connections/${made.json.id}/pullsecret?namespace=team-a&name=regcred`;
      assert.equal((await call('GET', path)).text, kubectl(input, 'yaml'), server);
      assert.equal((await call('GET', `${path}&format=json`)).text, kubectl(input, 'json'), server);
      assert.equal((await call('DELETE', `/kube/connections/${made.json.id}`)).status, 200);
    }
  });

  it('creates a connection; the password is sealed at rest and never returned', async () => {
    const res = await call('POST', '/kube/connections', {
      name: 'internal',
      type: 'berth',
      address: registry.url,
      username: 'ci',
      password: 'good-password',
      berth_robot: 'robot$ci',
    });
    assert.equal(res.status, 201, res.text);
    connectionId = res.json.id;
    assert.equal(res.headers.get('location'), `/api/v2.0/kube/connections/${connectionId}`);
    assert.equal(res.json.address, registry.url);
    for (const r of [
      res,
      await call('GET', `/kube/connections/${connectionId}`),
      await call('GET', '/kube/connections'),
    ]) {
      assert.doesNotMatch(r.text, /good-password/);
      assert.doesNotMatch(r.text, /"password"/);
    }
    const store = KyselyKubeStore.over((berth.berth.registry.metadata as KyselyStore).db);
    const sealed = (await store.connectionById(connectionId))!.passwordSealed;
    assert.match(sealed, /^bx1\./);
    assert.equal((await call('POST', '/kube/connections', { ...res.json, password: 'x' })).status, 409);
    assert.equal((await call('GET', '/kube/connections/999')).json.errors[0].code, 'NOT_FOUND');
  });

  it('renders the pull secret byte for byte as kubectl prints it', { skip: !haveKubectl }, async () => {
    const input = {
      name: 'regcred',
      namespace: 'team-a',
      server: registry.url,
      username: 'ci',
      password: 'good-password',
    };
    const yaml = await call('GET', `/kube/connections/${connectionId}/pullsecret?namespace=team-a&name=regcred`);
    assert.equal(yaml.status, 200);
    assert.match(yaml.headers.get('content-type') ?? '', /^application\/yaml/);
    assert.equal(yaml.text, kubectl(input, 'yaml'));
    const json = await call(
      'GET',
      `/kube/connections/${connectionId}/pullsecret?namespace=team-a&name=regcred&format=json`,
    );
    assert.equal(json.text, kubectl(input, 'json'));
    const bad = await call('GET', `/kube/connections/${connectionId}/pullsecret?namespace=Team_A`);
    assert.equal(bad.status, 400);
    assert.match(bad.json.errors[0].message, /DNS-1123 label/);
  });

  it('without a chosen policy, the snippet uses what Kubernetes would: Always for :latest and untagged', async () => {
    for (const [image, policy] of [
      [`${registry.host}/team/app`, 'Always'],
      [`${registry.host}/team/app:latest`, 'Always'],
      [`${registry.host}/team/app:1.0`, 'IfNotPresent'],
    ]) {
      const res = await call('GET', `/kube/connections/${connectionId}/snippet?image=${encodeURIComponent(image)}`);
      assert.equal(res.status, 200, res.text);
      assert.match(res.text, new RegExp(`imagePullPolicy: ${policy}\n`), image);
    }
  });

  it('renders the container snippet with the chosen imagePullPolicy, explained', async () => {
    const image = `${registry.host}/team/app:1.0`;
    const res = await call('GET', `/kube/connections/${connectionId}/snippet?image=${image}&policy=Always`);
    assert.equal(res.status, 200);
    assert.match(res.text, /imagePullSecrets:\n {4}- name: internal-pull\n/);
    assert.match(res.text, /# Always: Resolve the tag with the registry on every container start/);
    assert.match(res.text, /imagePullPolicy: Always\n/);
    const policies = await call('GET', '/kube/pullpolicies');
    assert.deepEqual(
      policies.json.map((p: { name: string }) => p.name),
      ['IfNotPresent', 'Always', 'Never'],
    );
    assert.equal(
      (await call('GET', `/kube/connections/${connectionId}/snippet?image=${image}&policy=Sometimes`)).status,
      400,
    );
  });

  it('tests the connection: reachable, registry API, credentials, pull', async () => {
    const res = await call('POST', `/kube/connections/${connectionId}/test`, {
      repository: 'team/app',
      reference: '1.0',
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.ok, true);
    assert.deepEqual(
      res.json.checks.map((c: { step: string }) => c.step),
      ['reachable', 'registry-api', 'credentials', 'pull'],
    );
  });

  it('registers a cluster by kubeconfig once it can list namespaces; the kubeconfig is never returned', async () => {
    const refused = await call('POST', '/kube/clusters', { name: 'prod', kubeconfig: api.kubeconfig('wrong-token') });
    assert.equal(refused.status, 400);
    assert.match(refused.json.errors[0].message, /listing namespaces at https:\/\/127\.0\.0\.1:\d+ failed/);
    const res = await call('POST', '/kube/clusters', { name: 'prod', kubeconfig: api.kubeconfig() });
    assert.equal(res.status, 201, res.text);
    clusterId = res.json.id;
    assert.deepEqual(res.json.namespaces, ['team-a', 'team-b', 'lonely']);
    assert.equal(res.json.server, api.url);
    const listed = await call('GET', '/kube/clusters');
    assert.doesNotMatch(listed.text, /test-token|certificate-authority/);
    const ns = await call('GET', `/kube/clusters/${clusterId}/namespaces`);
    assert.deepEqual(ns.json, [{ name: 'team-a' }, { name: 'team-b' }, { name: 'lonely' }]);
  });

  it('syncs the secret into two namespaces and shows each copy', async () => {
    const created = await call('POST', '/kube/placements', {
      connection_id: connectionId,
      cluster_id: clusterId,
      namespaces: ['team-a', 'team-b'],
      service_accounts: ['default'],
    });
    assert.equal(created.status, 201, created.text);
    placementId = created.json.id;
    assert.deepEqual(
      created.json.copies.map((c: { state: string }) => c.state),
      ['pending', 'pending'],
    );
    const synced = await call('POST', `/kube/placements/${placementId}/sync`);
    assert.equal(synced.status, 200, synced.text);
    assert.deepEqual(
      synced.json.copies.map((c: { namespace: string; state: string; current: boolean }) => [
        c.namespace,
        c.state,
        c.current,
      ]),
      [
        ['team-a', 'created', true],
        ['team-b', 'created', true],
      ],
    );
    // The stored secret carries exactly kubectl's .dockerconfigjson for this connection.
    const expected = JSON.parse(
      kubectlOrOwn({ name: 'internal-pull', server: registry.url, username: 'ci', password: 'good-password' }),
    ).data['.dockerconfigjson'];
    for (const ns of ['team-a', 'team-b']) {
      const stored = api.get('secrets', ns, 'internal-pull')!;
      assert.equal(stored.type, 'kubernetes.io/dockerconfigjson');
      assert.equal(stored.data['.dockerconfigjson'], expected);
      assert.deepEqual(api.get('serviceaccounts', ns, 'default')!.imagePullSecrets, [{ name: 'internal-pull' }]);
    }
    assert.equal((await call('DELETE', `/kube/connections/${connectionId}`)).status, 409);
  });

  it('a password change queues a reconcile job that rewrites both copies', async () => {
    api.requests.length = 0;
    const res = await call('PUT', `/kube/connections/${connectionId}`, { password: 'new-password' });
    assert.equal(res.status, 200, res.text);
    const jobId = res.json.reconcile_job_id;
    assert.ok(jobId, 'a reconcile job was queued');
    assert.doesNotMatch(res.text, /new-password/);
    const job = await waitForJob(jobId);
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.equal(job.kind, 'kube.reconcile');

    const puts = api.requests.filter((r) => r.method === 'PUT').map((r) => r.path);
    assert.deepEqual(puts.sort(), [
      '/api/v1/namespaces/team-a/secrets/internal-pull',
      '/api/v1/namespaces/team-b/secrets/internal-pull',
    ]);
    for (const ns of ['team-a', 'team-b']) {
      assert.equal(secretConfig(ns).auths[registry.url].password, 'new-password');
    }
    const placement = await call('GET', `/kube/placements/${placementId}`);
    assert.deepEqual(
      placement.json.copies.map((c: { state: string; current: boolean }) => [c.state, c.current]),
      [
        ['updated', true],
        ['updated', true],
      ],
    );
    // Unchanged credentials queue nothing.
    const again = await call('PUT', `/kube/connections/${connectionId}`, { description: 'internal registry' });
    assert.equal(again.json.reconcile_job_id, null);
  });

  it('a Berth robot secret rotation updates the connection and reconciles its copies', async () => {
    const [jobId] = await berth.berth.kube.connections.robotSecretRotated('robot$ci', 'good-password');
    assert.ok(jobId);
    assert.equal((await waitForJob(jobId)).status, 'done');
    assert.equal(secretConfig('team-a').auths[registry.url].password, 'good-password');
    assert.deepEqual(await berth.berth.kube.connections.robotSecretRotated('robot$nobody', 'x'), []);
  });

  it('diagnoses a pod in a namespace without a secret: NO_PULL_SECRET', async () => {
    api.put('pods', 'lonely', {
      metadata: { name: 'web' },
      spec: { containers: [{ name: 'web', image: `${registry.host}/team/app:1.0` }] },
    });
    const res = await call('POST', '/kube/diagnose', { cluster_id: clusterId, namespace: 'lonely', pod: 'web' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.ok, false);
    assert.equal(res.json.images[0].code, 'NO_PULL_SECRET');
    assert.match(res.json.images[0].message, /namespace "lonely" has no pull secret/);
  });

  it('diagnoses a pod whose secret has a wrong password: WRONG_CREDENTIALS', async () => {
    const changed = await call('PUT', `/kube/connections/${connectionId}`, { password: 'wrong-password' });
    assert.equal((await waitForJob(changed.json.reconcile_job_id)).status, 'done');
    api.put('pods', 'team-a', {
      metadata: { name: 'api' },
      spec: { containers: [{ name: 'api', image: `${registry.host}/team/app:1.0` }] },
    });
    const res = await call('POST', '/kube/diagnose', { cluster_id: clusterId, namespace: 'team-a', pod: 'api' });
    assert.equal(res.json.images[0].code, 'WRONG_CREDENTIALS', res.text);
    assert.deepEqual(res.json.images[0].secrets_tried, ['internal-pull']);
    const image = await call('POST', '/kube/diagnose', {
      cluster_id: clusterId,
      namespace: 'team-b',
      image: `${registry.host}/team/app:1.0`,
      service_account: 'default',
    });
    assert.equal(image.json.code, 'WRONG_CREDENTIALS');
    const missing = await call('POST', '/kube/diagnose', { cluster_id: clusterId, namespace: 'team-a', pod: 'nope' });
    assert.equal(missing.status, 404);
  });

  it('diagnoses from a connection alone (no cluster): connection_id and an image', async () => {
    // The connection's password was set above to one the registry refuses.
    const image = `${registry.host}/team/app:1.0`;
    const refused = await call('POST', '/kube/diagnose', { connection_id: connectionId, image });
    assert.equal(refused.status, 200, refused.text);
    assert.equal(refused.json.code, 'WRONG_CREDENTIALS', refused.text);
    assert.deepEqual(refused.json.secrets_tried, ['connection-pull']);
    const fresh = await call('POST', '/kube/connections', {
      name: 'diagnose-alone',
      type: 'oci',
      address: registry.url,
      username: 'ci',
      password: 'good-password',
    });
    assert.equal(fresh.status, 201, fresh.text);
    const ok = await call('POST', '/kube/diagnose', { connection_id: fresh.json.id, image });
    assert.equal(ok.json.code, 'PULLABLE', ok.text);
    await call('DELETE', `/kube/connections/${fresh.json.id}`);
    const missing = await call('POST', '/kube/diagnose', { connection_id: connectionId });
    assert.equal(missing.status, 400);
    assert.match(missing.text, /image/);
    const badPlatform = await call('POST', '/kube/diagnose', {
      connection_id: connectionId,
      image: `${registry.host}/team/app:1.0`,
      platform: 'amd64',
    });
    assert.equal(badPlatform.status, 400);
    assert.match(badPlatform.text, /platform/);
  });

  it('renders a connection group as containerd hosts.toml and registries.conf', async () => {
    const g = await call('POST', '/kube/groups', {
      name: 'hub',
      upstream: 'docker.io',
      members: [{ connection_id: connectionId, project: 'dockerhub-proxy' }],
    });
    assert.equal(g.status, 201, g.text);
    const bad = await call('POST', '/kube/groups', { name: 'bad', upstream: 'https://docker.io', members: [] });
    assert.equal(bad.status, 400);
    const containerd = await call('GET', '/kube/mirrors?format=containerd');
    assert.equal(containerd.json.files[0].path, 'docker.io/hosts.toml');
    assert.match(containerd.json.files[0].content, new RegExp(`\\[host\\."${registry.url}/v2/dockerhub-proxy"\\]`));
    const conf = await call('GET', `/kube/mirrors?format=registries.conf&group=${g.json.id}`);
    assert.match(conf.text, /prefix = "docker\.io"/);
    assert.match(conf.text, new RegExp(`location = "${registry.host}/dockerhub-proxy"`));
    assert.equal((await call('DELETE', `/kube/connections/${connectionId}`)).status, 409);
  });

  it('renders a Berth member in mirror mode: containerd at its root (?ns=), CRI-O at the mapped project, upstream last', async () => {
    const g = await call('POST', '/kube/groups', {
      name: 'hub-through-berth',
      upstream: 'docker.io',
      members: [{ connection_id: connectionId, ns_mirror: true }],
    });
    assert.equal(g.status, 201, g.text);
    assert.deepEqual(g.json.members, [{ connection_id: connectionId, ns_mirror: true }]);
    const got = await call('GET', `/kube/groups/${g.json.id}`);
    assert.equal(got.json.members[0].ns_mirror, true);

    const containerd = await call('GET', `/kube/mirrors?format=containerd&group=${g.json.id}`);
    assert.equal(containerd.status, 200, containerd.text);
    assert.equal(containerd.json.files.length, 1);
    assert.equal(containerd.json.files[0].path, 'docker.io/hosts.toml');
    const hosts = parseToml(containerd.json.files[0].content) as {
      server: string;
      host: Record<string, { capabilities: string[]; override_path?: boolean }>;
    };
    // The upstream is the fallback; Berth's root is the one mirror, so containerd appends /v2/<repo>/…?ns=docker.io.
    assert.equal(hosts.server, 'https://registry-1.docker.io');
    assert.deepEqual(Object.keys(hosts.host), [registry.url]);
    assert.deepEqual(hosts.host[registry.url]?.capabilities, ['pull', 'resolve']);
    assert.equal(hosts.host[registry.url]?.override_path, undefined);

    const conf = await call('GET', `/kube/mirrors?format=registries.conf&group=${g.json.id}`);
    const parsed = parseToml(conf.text) as {
      registry: Array<{ prefix: string; location: string; mirror: Array<{ location: string }> }>;
    };
    // CRI-O sends no ns: its mirror is the project BERTH_PROXY_MIRRORS binds to docker.io; docker.io stays last.
    assert.deepEqual(
      parsed.registry.map((r) => [r.prefix, r.location, r.mirror.map((m) => m.location)]),
      [['docker.io', 'docker.io', [`${registry.host}/hub-cache`]]],
    );

    // A named project wins over the map; an upstream the map does not bind needs one.
    const named = await call('PUT', `/kube/groups/${g.json.id}`, {
      members: [{ connection_id: connectionId, ns_mirror: true, project: 'dockerhub' }],
    });
    assert.equal(named.status, 200, named.text);
    const conf2 = await call('GET', `/kube/mirrors?format=registries.conf&group=${g.json.id}`);
    assert.match(conf2.text, new RegExp(`location = "${registry.host}/dockerhub"`));
    const unmapped = await call('POST', '/kube/groups', {
      name: 'ghcr-through-berth',
      upstream: 'ghcr.io',
      members: [{ connection_id: connectionId, ns_mirror: true }],
    });
    assert.equal(unmapped.status, 400);
    assert.match(unmapped.text, /BERTH_PROXY_MIRRORS/);
    const notBool = await call('POST', '/kube/groups', {
      name: 'quay-through-berth',
      upstream: 'quay.io',
      members: [{ connection_id: connectionId, ns_mirror: 'yes' }],
    });
    assert.equal(notBool.status, 400);
    assert.equal((await call('DELETE', `/kube/groups/${g.json.id}`)).status, 200);
  });

  async function waitForJob(id: string) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await call('GET', `/kube/jobs/${id}`);
      if (res.json.status === 'done' || res.json.status === 'failed' || Date.now() > deadline) return res.json;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});

/** kubectl's JSON; without kubectl, the renderer that pullsecret.test.ts holds equal to it. */
function kubectlOrOwn(input: { name: string; server: string; username: string; password: string }): string {
  return haveKubectl ? kubectl(input, 'json') : pullSecretJson(input);
}
