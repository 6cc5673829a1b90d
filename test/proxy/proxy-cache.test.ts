/**
 * Proxy-cache projects against real upstreams started here: CNCF Distribution
 * (no auth; behind a recording proxy that counts what reached it) and a
 * second Berth with token auth. Pull-through and caching, push refusal, tag
 * freshness with stale serving while the upstream is stopped, the negative
 * cache, single flight (20 concurrent pulls of an uncached 100 MiB layer make
 * one upstream fetch), groups and the ?ns= mirror path.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type RegistryServer, startServer } from '../support/berth.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import {
  blobOf,
  configBlob,
  descriptor,
  imageManifest,
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  RegistryClient,
  repoName,
} from '../support/oci.ts';
import { RecordingProxy } from '../support/proxy.ts';
import { apiOf, createProject, createRegistry, eventually, metric } from './support.ts';

type OciErrors = { errors: Array<{ code: string; message: string }> };
const PASSWORD = 'Upstream-Secret-123';
let berth: RunningBerth;
let distribution: RegistryServer;
let counting: RecordingProxy;
let tokenBerth: RegistryServer;
let v2: RegistryClient;
let upstream: RegistryClient;

before(async () => {
  [berth, distribution, tokenBerth] = await Promise.all([
    startInProcess({
      env: { BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1', BERTH_PROXY_TAG_TTL: '0', BERTH_PROXY_MIRRORS: 'docker.io=hub' },
    }),
    startServer({ kind: 'distribution' }),
    startServer({ kind: 'berth', env: { BERTH_AUTH: 'on', BERTH_ADMIN_PASSWORD: PASSWORD } }),
  ]);
  counting = await RecordingProxy.start(distribution.port);
  v2 = new RegistryClient(berth.url);
  upstream = new RegistryClient(distribution.url);
  const id = await createRegistry(berth, { name: 'dist', type: 'docker-registry', url: `http://${counting.host}` });
  await createProject(berth, { project_name: 'hub', registry_id: id });
});

after(async () => {
  await counting?.close();
  await Promise.all([berth?.stop(), distribution?.cleanup(), tokenBerth?.cleanup()]);
});

const hits = (path: string, method = 'GET') =>
  counting.exchanges.filter((e) => e.method === method && e.url.startsWith(path)).length;

describe('proxy cache over Distribution', () => {
  test('a pull fetches from the upstream, stores, and later pulls are served from Berth', async () => {
    const repo = `library/${repoName('app')}`;
    const { manifest, blobs } = await upstream.pushImage(repo, 'v1');
    const project = await (await apiOf(berth)('/projects/hub')).json();
    assert.equal(typeof project.registry_id, 'number');

    const first = await v2.get(`/v2/hub/${repo}/manifests/v1`, { accept: manifest.mediaType });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.headers.get('docker-content-digest'), manifest.digest);
    assert.ok(first.body.equals(manifest.bytes));
    for (const b of blobs) {
      const got = await v2.get(`/v2/hub/${repo}/blobs/${b.digest}`);
      assert.equal(got.status, 200);
      assert.ok(got.body.equals(b.bytes));
    }
    const blobFetches = hits(`/v2/${repo}/blobs/`);
    // Again: blobs come from storage (the TTL is 0 here, so the tag is re-checked with a HEAD only).
    counting.clear();
    for (const b of blobs) assert.ok((await v2.get(`/v2/hub/${repo}/blobs/${b.digest}`)).body.equals(b.bytes));
    const again = await v2.get(`/v2/hub/${repo}/manifests/v1`);
    assert.ok(again.body.equals(manifest.bytes));
    assert.equal(hits(`/v2/${repo}/blobs/`), 0);
    assert.equal(hits(`/v2/${repo}/manifests/`, 'GET'), 0);
    assert.equal(hits(`/v2/${repo}/manifests/v1`, 'HEAD'), 1);
    assert.equal(blobFetches, blobs.length);
    // By digest: immutable, no upstream call at all.
    counting.clear();
    assert.equal((await v2.get(`/v2/hub/${repo}/manifests/${manifest.digest}`)).status, 200);
    assert.equal(counting.exchanges.length, 0);
    assert.ok((await metric(berth, 'berth_proxy_cache_hits_total', { project: 'hub' })) > 0);
    assert.ok((await metric(berth, 'berth_proxy_upstream_bytes_total', { project: 'hub' })) > 0);
    // Cached content is the project's storage like pushed content.
    const expected = manifest.size + blobs.reduce((n, b) => n + b.size, 0);
    await eventually(async () => {
      const stats = (await (await apiOf(berth)('/statistics')).json()) as {
        projects: { name: string; storage: number }[];
      };
      return (stats.projects.find((p) => p.name === 'hub')?.storage ?? 0) >= expected;
    }, 'the project storage counts the cached image');
  });

  test('Docker Hub names: a one-word repository is library/<name> upstream (docker-hub type)', async () => {
    // A docker-hub registry pointing at Distribution stands in for Docker Hub.
    const id = await createRegistry(berth, { name: 'fakehub', type: 'docker-hub', url: distribution.url });
    await createProject(berth, { project_name: 'fakehub', registry_id: id });
    const name = repoName('one');
    const { manifest } = await upstream.pushImage(`library/${name}`, 'latest');
    const got = await v2.get(`/v2/fakehub/${name}/manifests/latest`);
    assert.equal(got.status, 200, got.text);
    assert.equal(got.headers.get('docker-content-digest'), manifest.digest);
  });

  test('pushing to a proxy project is DENIED and says it is a proxy cache', async () => {
    const res = await v2.request('POST', '/v2/hub/library/mine/blobs/uploads/');
    assert.equal(res.status, 403);
    assert.equal((res.json() as OciErrors).errors[0].code, 'DENIED');
    assert.match((res.json() as OciErrors).errors[0].message, /proxy cache/);
  });

  test('unknown upstream content is a 404, remembered briefly (one upstream call for two pulls)', async () => {
    counting.clear();
    const repo = `library/${repoName('none')}`;
    assert.equal((await v2.get(`/v2/hub/${repo}/manifests/nope`)).status, 404);
    assert.equal((await v2.get(`/v2/hub/${repo}/manifests/nope`)).status, 404);
    assert.equal(hits(`/v2/${repo}/manifests/nope`), 1);
  });

  test('20 concurrent pulls of an uncached 100 MiB layer make one upstream fetch; all get the right bytes', async () => {
    const repo = `library/${repoName('big')}`;
    const big = blobOf(randomBytes(100 * 1024 * 1024));
    const config = configBlob();
    await upstream.pushBlobs(repo, big, config);
    await upstream.pushManifest(
      repo,
      'v1',
      imageManifest({ config: descriptor(config, OCI_CONFIG), layers: [descriptor(big, OCI_LAYER_GZIP)] }),
    );
    counting.clear();
    const results = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const res = await fetch(`${berth.url}/v2/hub/${repo}/blobs/${big.digest}`);
        const hash = createHash('sha256');
        let size = 0;
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          hash.update(chunk);
          size += chunk.length;
        }
        return { status: res.status, digest: `sha256:${hash.digest('hex')}`, size };
      }),
    );
    for (const r of results) assert.deepEqual(r, { status: 200, digest: big.digest, size: big.size });
    assert.equal(hits(`/v2/${repo}/blobs/${big.digest}`), 1, JSON.stringify(counting.exchanges));
  });

  test('the upstream stopped: cached tags are served stale (log + metric); uncached ones fail naming the upstream', async () => {
    const repo = `library/${repoName('stale')}`;
    const { manifest } = await upstream.pushImage(repo, 'v1');
    assert.equal((await v2.get(`/v2/hub/${repo}/manifests/v1`)).status, 200);
    const before = await metric(berth, 'berth_proxy_stale_serves_total', { project: 'hub' });
    await distribution.stop();
    try {
      const stale = await v2.get(`/v2/hub/${repo}/manifests/v1`);
      assert.equal(stale.status, 200);
      assert.equal(stale.headers.get('docker-content-digest'), manifest.digest);
      assert.ok((await metric(berth, 'berth_proxy_stale_serves_total', { project: 'hub' })) > before);
      const missing = await v2.get(`/v2/hub/${repo}/manifests/never-cached`);
      assert.equal(missing.status, 502);
      assert.match((missing.json() as OciErrors).errors[0].message, /upstream registry dist .*failed/);
      assert.ok((await metric(berth, 'berth_proxy_upstream_errors_total', { project: 'hub' })) > 0);
    } finally {
      await distribution.restart();
      await counting.close();
      counting = await RecordingProxy.start(distribution.port, '127.0.0.1');
      const id = Number((await (await apiOf(berth)('/projects/hub')).json()).registry_id);
      const put = await apiOf(berth)(`/registries/${id}`, { method: 'PUT', body: { url: `http://${counting.host}` } });
      assert.equal(put.status, 200);
    }
  });
});

describe('proxy cache over a Berth with token auth', () => {
  test('pull through with Bearer tokens from the upstream realm', async () => {
    const tokenUpstream = new RegistryClient(tokenBerth.url);
    const auth = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;
    // Push with a token, as a client would.
    const tokenRes = await fetch(`${tokenBerth.url}/service/token?service=berth&scope=repository:team/app:pull,push`, {
      headers: { authorization: auth },
    });
    const token = (await tokenRes.json()).token as string;
    const authed = new (class extends RegistryClient {
      override request(
        method: string,
        path: string,
        opts: { headers?: Record<string, string>; body?: Buffer | string } = {},
      ) {
        return super.request(method, path, {
          ...opts,
          headers: { ...(opts.headers ?? {}), authorization: `Bearer ${token}` },
        });
      }
    })(tokenBerth.url);
    const created = await fetch(`${tokenBerth.url}/api/v2.0/projects`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ project_name: 'team' }),
    });
    assert.equal(created.status, 201);
    const { manifest, blobs } = await authed.pushImage('team/app', 'v1');
    void tokenUpstream;

    const id = await createRegistry(berth, {
      name: 'secured',
      type: 'harbor',
      url: tokenBerth.url,
      credential: { type: 'basic', access_key: 'admin', access_secret: PASSWORD },
    });
    await createProject(berth, { project_name: 'secured', registry_id: id });
    const got = await v2.get('/v2/secured/team/app/manifests/v1');
    assert.equal(got.status, 200, got.text);
    assert.ok(got.body.equals(manifest.bytes));
    for (const b of blobs) assert.ok((await v2.get(`/v2/secured/team/app/blobs/${b.digest}`)).body.equals(b.bytes));
  });
});

describe('groups and the mirror path', () => {
  test('a group answers from the first member that has the image; the console sees which', async () => {
    await createProject(berth, { project_name: 'hosted' });
    const own = await v2.pushImage('hosted/library/own', 'v1');
    const repo = `library/${repoName('far')}`;
    const far = await upstream.pushImage(repo, 'v1');
    await createProject(berth, { project_name: 'all', group_members: ['hosted', 'hub'] });
    const view = await (await apiOf(berth)('/projects/all')).json();
    assert.deepEqual(view.group_members, ['hosted', 'hub']);

    const a = await v2.get('/v2/all/library/own/manifests/v1');
    assert.equal(a.headers.get('docker-content-digest'), own.manifest.digest);
    for (const b of own.blobs) assert.ok((await v2.get(`/v2/all/library/own/blobs/${b.digest}`)).body.equals(b.bytes));
    const b = await v2.get(`/v2/all/${repo}/manifests/v1`);
    assert.equal(b.headers.get('docker-content-digest'), far.manifest.digest);
    for (const blob of far.blobs)
      assert.ok((await v2.get(`/v2/all/${repo}/blobs/${blob.digest}`)).body.equals(blob.bytes));

    const pulls = await (await apiOf(berth)('/projects/all/group_pulls')).json();
    assert.deepEqual(
      pulls.map((p: { member: string }) => p.member),
      ['hub', 'hosted'],
    );
    const push = await v2.request('POST', '/v2/all/library/own/blobs/uploads/');
    assert.equal(push.status, 403);
    assert.match((push.json() as OciErrors).errors[0].message, /group/);

    // Editable with PUT, in order.
    const put = await apiOf(berth)('/projects/all', { method: 'PUT', body: { group_members: ['hub', 'hosted'] } });
    assert.equal(put.status, 200, await put.text());
    assert.deepEqual((await (await apiOf(berth)('/projects/all')).json()).group_members, ['hub', 'hosted']);
    const bad = await apiOf(berth)('/projects', {
      method: 'POST',
      body: { project_name: 'g2', group_members: ['nope'] },
    });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).errors[0].field, 'group_members');
  });

  test('?ns=docker.io (containerd as a mirror) is answered by the project bound to that host', async () => {
    const repo = `library/${repoName('ns')}`;
    const { manifest, blobs } = await upstream.pushImage(repo, 'v1');
    const m = await v2.get(`/v2/${repo}/manifests/v1?ns=docker.io`);
    assert.equal(m.status, 200, m.text);
    assert.equal(m.headers.get('docker-content-digest'), manifest.digest);
    const blob = await v2.get(`/v2/${repo}/blobs/${blobs[0]?.digest}?ns=docker.io`);
    assert.ok(blob.body.equals(blobs[0]?.bytes as Buffer));
    // An unmapped host is an ordinary (hosted) lookup.
    assert.equal((await v2.get(`/v2/${repo}/manifests/v1?ns=quay.io`)).status, 404);
  });
});
