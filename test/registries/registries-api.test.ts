/**
 * Upstream registries: Harbor's /registries API (shapes, secrets sealed and
 * never returned, ping, info, adapters, the outbound address rule) and the
 * one registry client against real upstreams: CNCF Distribution without auth
 * and a second Berth with token auth (Bearer realm, scopes).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { HttpRegistryClient } from '../../src/features/registries/http-client.ts';
import { type RegistryServer, startServer } from '../support/berth.ts';
import { type RunningBerth, startInProcess } from '../support/inprocess.ts';
import {
  configBlob,
  descriptor,
  imageManifest,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
  randomBlob,
  repoName,
} from '../support/oci.ts';

const PASSWORD = 'Upstream-Secret-123';
let berth: RunningBerth;
let distribution: RegistryServer;
let tokenBerth: RegistryServer;

before(async () => {
  process.env.BERTH_OUTBOUND_ALLOW = '127.0.0.0/8,::1';
  [berth, distribution, tokenBerth] = await Promise.all([
    startInProcess(),
    startServer({ kind: 'distribution' }),
    startServer({ kind: 'berth', env: { BERTH_AUTH: 'on', BERTH_ADMIN_PASSWORD: PASSWORD } }),
  ]);
});

after(async () => {
  await Promise.all([berth?.stop(), distribution?.cleanup(), tokenBerth?.cleanup()]);
  delete process.env.BERTH_OUTBOUND_ALLOW;
});

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${berth.url}/api/v2.0${path}`, {
    ...init,
    headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) },
  });

test('create, list, get, update, ping, info, adapters and delete in Harbor shapes; the secret is never returned', async () => {
  const created = await api('/registries', {
    method: 'POST',
    body: JSON.stringify({
      name: 'second-berth',
      type: 'harbor',
      url: tokenBerth.url,
      insecure: false,
      description: 'token auth',
      credential: { type: 'basic', access_key: 'admin', access_secret: PASSWORD },
    }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  const location = created.headers.get('location') ?? '';
  assert.match(location, /^\/api\/v2\.0\/registries\/\d+$/);
  const id = Number(location.split('/').pop());

  const got = await (await api(`/registries/${id}`)).json();
  assert.equal(got.name, 'second-berth');
  assert.equal(got.url, tokenBerth.url);
  assert.deepEqual(got.credential, { type: 'basic', access_key: 'admin' });
  assert.ok(!JSON.stringify(got).includes(PASSWORD));

  // Sealed at rest: the database holds no clear secret.
  const db = new Database(`${berth.dataDir}/berth.db`, { readonly: true });
  const row = db.prepare('select access_secret_sealed from registries where id = ?').get(id) as {
    access_secret_sealed: string;
  };
  db.close();
  assert.match(row.access_secret_sealed, /^bx1\./);

  const list = await api('/registries?page=1&page_size=10');
  assert.equal(list.headers.get('x-total-count'), '1');
  assert.equal((await list.json())[0].id, id);

  assert.equal((await api('/registries/ping', { method: 'POST', body: JSON.stringify({ id }) })).status, 200);
  assert.equal((await (await api(`/registries/${id}`)).json()).status, 'healthy');
  const wrong = await api('/registries/ping', {
    method: 'POST',
    body: JSON.stringify({ type: 'harbor', url: tokenBerth.url, access_key: 'admin', access_secret: 'wrong-password' }),
  });
  assert.equal(wrong.status, 400);
  assert.match((await wrong.json()).errors[0].message, /refused the credentials/);

  const info = await (await api(`/registries/${id}/info`)).json();
  assert.equal(info.type, 'harbor');
  assert.ok(Array.isArray(info.supported_resource_filters));
  assert.deepEqual(await (await api('/adapters')).json(), [
    'docker-registry',
    'docker-hub',
    'harbor',
    'quay',
    'github-ghcr',
  ]);

  const put = await api(`/registries/${id}`, { method: 'PUT', body: JSON.stringify({ description: 'edited' }) });
  assert.equal(put.status, 200, await put.clone().text());
  assert.equal((await (await api(`/registries/${id}`)).json()).description, 'edited');

  assert.equal((await api(`/registries/${id}`, { method: 'DELETE' })).status, 200);
  assert.equal((await api(`/registries/${id}`)).status, 404);
});

test('bad input is a 400 naming the field; a taken name is a 409', async () => {
  const noName = await api('/registries', { method: 'POST', body: JSON.stringify({ url: distribution.url }) });
  assert.equal(noName.status, 400);
  assert.match((await noName.json()).errors[0].message, /name/);
  const badType = await api('/registries', {
    method: 'POST',
    body: JSON.stringify({ name: 'x', type: 'ftp', url: distribution.url }),
  });
  assert.equal(badType.status, 400);
  assert.equal((await badType.json()).errors[0].field, 'type');
  const badUrl = await api('/registries', { method: 'POST', body: JSON.stringify({ name: 'x', url: 'ftp://a' }) });
  assert.equal((await badUrl.json()).errors[0].field, 'url');
  const ok = { name: 'dist', type: 'docker-registry', url: distribution.url };
  assert.equal((await api('/registries', { method: 'POST', body: JSON.stringify(ok) })).status, 201);
  assert.equal((await api('/registries', { method: 'POST', body: JSON.stringify(ok) })).status, 409);
});

test('loopback upstreams are refused unless BERTH_OUTBOUND_ALLOW lists them', async () => {
  const saved = process.env.BERTH_OUTBOUND_ALLOW;
  delete process.env.BERTH_OUTBOUND_ALLOW;
  const strict = await startInProcess();
  try {
    const res = await fetch(`${strict.url}/api/v2.0/registries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'local', url: 'http://127.0.0.1:1' }),
    });
    assert.equal(res.status, 400);
    const err = (await res.json()).errors[0];
    assert.equal(err.field, 'url');
    assert.match(err.message, /BERTH_OUTBOUND_ALLOW/);
  } finally {
    process.env.BERTH_OUTBOUND_ALLOW = saved;
    await strict.stop();
  }
});

for (const kind of ['distribution', 'token-berth'] as const) {
  test(`client against ${kind}: push chunked and whole, mount, manifest, tags, catalog, pull`, async () => {
    const server = kind === 'distribution' ? distribution : tokenBerth;
    const client = new HttpRegistryClient({
      type: 'docker-registry',
      url: server.url,
      insecure: false,
      ...(kind === 'token-berth' ? { username: 'admin', password: PASSWORD } : {}),
    });
    try {
      assert.equal((await client.ping()).ok, true);
      const repo = `library/${repoName('client')}`;
      const layer = randomBlob(3 * 1024 * 1024 + 17);
      const config = configBlob();
      await client.pushBlob(repo, layer.digest, layer.size, (offset) => Readable.from([layer.bytes.subarray(offset)]), {
        chunkSize: 1024 * 1024,
      });
      await client.pushBlob(repo, config.digest, config.size, () => Readable.from([config.bytes]));
      assert.equal(await client.headBlob(repo, layer.digest), layer.size);
      const manifest = imageManifest({
        config: descriptor(config, 'application/vnd.oci.image.config.v1+json'),
        layers: [descriptor(layer, OCI_LAYER_GZIP)],
      });
      const digest = await client.putManifest(repo, 'v1', manifest.bytes, OCI_MANIFEST);
      assert.equal(digest, manifest.digest);

      const other = `${repo}-copy`;
      assert.equal(await client.mountBlob(other, layer.digest, repo), true);
      assert.equal(await client.headBlob(other, layer.digest), layer.size);

      const head = await client.headManifest(repo, 'v1');
      assert.equal(head?.digest, manifest.digest);
      const fetched = await client.getManifest(repo, 'v1');
      assert.deepEqual(fetched?.bytes, manifest.bytes);
      assert.equal(fetched?.mediaType, OCI_MANIFEST);
      assert.equal(await client.getManifest(repo, 'missing'), null);
      assert.deepEqual(await client.tags(repo), ['v1']);
      assert.ok((await client.catalog()).includes(repo));
      await assert.rejects(client.getManifest(repo, 'v1', 10), /larger than 10 bytes/);

      const blob = await client.getBlob(repo, layer.digest);
      const chunks: Buffer[] = [];
      for await (const c of blob?.body ?? []) chunks.push(c as Buffer);
      assert.ok(Buffer.concat(chunks).equals(layer.bytes));
      assert.equal(await client.getBlob(repo, `sha256:${randomBytes(32).toString('hex')}`), null);
    } finally {
      client.close();
    }
  });
}
