/** Proxy settings and the expiry of unused cached images on both dialects. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KyselyStore } from '../../src/adapters/metadata/kysely-store.ts';
import { PostgresStore } from '../../src/adapters/metadata/postgres.ts';
import { KyselyProxyStore } from '../../src/adapters/metadata/proxy-store.ts';
import { SqliteStore } from '../../src/adapters/metadata/sqlite.ts';
import type { Registry } from '../../src/core/registry.ts';
import { ProxyProjects } from '../../src/features/proxy/projects.ts';
import type { ProxyCache } from '../../src/features/proxy/proxy-cache.ts';
import { createTestDatabase } from '../support/postgres.ts';

const DAY = 86_400_000;
const manifest = (digest: string, createdAt: string) => ({
  digest,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  size: 2,
  artifactType: null,
  subject: null,
  configDigest: null,
  annotations: null,
  createdAt,
});

async function suite(md: KyselyStore) {
  const store = KyselyProxyStore.over(md.db);
  const projects = new ProxyProjects({ metadata: md } as unknown as Registry, store, {} as ProxyCache);
  await projects.save({ project: 'hub', registryId: 1, members: null });
  await projects.save({ project: 'all', registryId: null, members: ['hosted', 'hub'] });
  await projects.reload();
  assert.deepEqual(projects.settingsOf('all')?.members, ['hosted', 'hub']);
  assert.equal(projects.covers('hub/library/x'), true);
  assert.equal(projects.covers('hosted/x'), false);
  assert.equal(projects.covers('hub'), false);

  const now = Date.now();
  const old = new Date(now - 10 * DAY).toISOString();
  const fresh = new Date(now - DAY).toISOString();
  for (const repo of ['hub/library/a', 'hosted/a', 'hub_x/a']) await md.ensureRepository(repo);
  await md.putManifest('hub/library/a', manifest('sha256:old', old), [], 'v1');
  await md.putManifest('hub/library/a', manifest('sha256:new', fresh), [], 'v2');
  await md.putManifest('hosted/a', manifest('sha256:hosted', old), [], 'v1');
  await md.putManifest('hub_x/a', manifest('sha256:other', old), [], 'v1');
  assert.equal(await projects.expireUnused(7 * DAY, now), 1);
  assert.equal(await md.manifestByTag('hub/library/a', 'v1'), null, 'unused for 10 days: dropped with its tag');
  assert.ok(await md.manifestByTag('hub/library/a', 'v2'), 'pulled recently: kept');
  assert.ok(await md.manifestByTag('hosted/a', 'v1'), 'hosted projects never expire');
  assert.ok(await md.manifestByTag('hub_x/a', 'v1'), 'another project whose name merely starts alike');

  await projects.remove('all');
  assert.equal(await store.get('all'), null);

  // Fill leases (single flight across nodes): one holder; a live lease is kept, a lapsed one taken over.
  const t0 = Date.parse('2026-12-07T00:00:00.000Z');
  const iso = (ms: number) => new Date(t0 + ms).toISOString();
  assert.equal(await store.claimFill('sha256:f', 'node-a', iso(0), iso(30_000)), 'node-a');
  assert.equal(await store.claimFill('sha256:f', 'node-b', iso(1_000), iso(31_000)), 'node-a');
  assert.equal(await store.renewFill('sha256:f', 'node-a', iso(40_000)), true);
  assert.equal(await store.renewFill('sha256:f', 'node-b', iso(40_000)), false);
  assert.equal(await store.claimFill('sha256:f', 'node-b', iso(35_000), iso(65_000)), 'node-a', 'renewed: still held');
  assert.equal(await store.claimFill('sha256:f', 'node-b', iso(41_000), iso(71_000)), 'node-b', 'lapsed: taken over');
  await store.releaseFill('sha256:f', 'node-a'); // no longer the holder: no effect
  assert.equal(await store.claimFill('sha256:f', 'node-c', iso(42_000), iso(72_000)), 'node-b');
  await store.releaseFill('sha256:f', 'node-b');
  assert.equal(await store.claimFill('sha256:f', 'node-c', iso(43_000), iso(73_000)), 'node-c', 'released: free');
}

test('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-proxy-store-'));
  const md = await SqliteStore.open(join(dir, 'db.sqlite'));
  try {
    await suite(md);
  } finally {
    await md.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('postgres', async () => {
  const db = await createTestDatabase();
  const md = await PostgresStore.open({ url: db.url });
  try {
    await suite(md);
  } finally {
    await md.close();
    await db.drop();
  }
});
