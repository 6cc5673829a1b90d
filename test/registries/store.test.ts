/** The registries store on both dialects: create, unique names, update (status keeps update_time), delete. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PostgresStore } from '../../src/adapters/metadata/postgres.ts';
import { KyselyRegistriesStore } from '../../src/adapters/metadata/registries-store.ts';
import { SqliteStore } from '../../src/adapters/metadata/sqlite.ts';
import { createTestDatabase } from '../support/postgres.ts';

const sample = {
  name: 'hub',
  type: 'docker-hub' as const,
  url: 'https://registry-1.docker.io',
  description: '',
  insecure: false,
  caCertificate: null,
  credentialType: 'basic' as const,
  accessKey: 'me',
  accessSecretSealed: 'bx1.sealed',
  status: 'unknown' as const,
};

async function suite(store: KyselyRegistriesStore) {
  const a = await store.create(sample);
  assert.ok(a);
  assert.equal(await store.create(sample), null, 'a taken name');
  const b = await store.create({ ...sample, name: 'quay', type: 'quay', url: 'https://quay.io' });
  assert.ok(b);
  assert.deepEqual(
    (await store.list()).map((r) => r.name),
    ['hub', 'quay'],
  );
  assert.deepEqual(
    (await store.list({ name: 'qu' })).map((r) => r.name),
    ['quay'],
  );
  const healthy = await store.update(a.id, { status: 'healthy' });
  assert.ok(healthy && healthy !== 'conflict');
  assert.equal(healthy.updatedAt, a.updatedAt, 'a status change is not an edit');
  assert.equal(await store.update(a.id, { name: 'quay' }), 'conflict');
  const edited = await store.update(a.id, { insecure: true, accessKey: 'you' });
  assert.ok(edited && edited !== 'conflict');
  assert.equal(edited.insecure, true);
  assert.equal(edited.accessKey, 'you');
  assert.equal((await store.byName('quay'))?.id, b.id);
  assert.equal(await store.delete(a.id), true);
  assert.equal(await store.byId(a.id), null);
}

test('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-reg-'));
  const s = await SqliteStore.open(join(dir, 'db.sqlite'));
  try {
    await suite(KyselyRegistriesStore.over(s.db));
  } finally {
    await s.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('postgres', async () => {
  const db = await createTestDatabase();
  const s = await PostgresStore.open({ url: db.url });
  try {
    await suite(KyselyRegistriesStore.over(s.db));
  } finally {
    await s.close();
    await db.drop();
  }
});
