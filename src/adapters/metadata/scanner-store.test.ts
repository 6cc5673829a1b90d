import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createTestDatabase } from '../../../test/support/postgres.ts';
import type { ScannerRow } from '../../features/scan/store.ts';
import { PostgresStore } from './postgres.ts';
import { KyselyScannerStore } from './scanner-store.ts';
import { SqliteStore } from './sqlite.ts';

const row = (uuid: string, name: string): ScannerRow => ({
  uuid,
  name,
  description: '',
  url: `http://${name}.test:8080`,
  auth: 'Bearer',
  credentialSealed: 'sealed-bytes',
  skipCertVerify: true,
  useInternalAddr: false,
  disabled: false,
  isDefault: false,
  createdAt: '2026-12-07T00:00:00.000Z',
  updatedAt: '2026-12-07T00:00:00.000Z',
});

async function exercise(store: KyselyScannerStore) {
  assert.equal(await store.create(row('u1', 'trivy')), true);
  assert.equal(await store.create(row('u2', 'trivy')), false, 'names are unique');
  assert.equal(await store.create(row('u2', 'clair')), true);
  assert.deepEqual(
    (await store.list()).map((r) => r.name),
    ['clair', 'trivy'],
  );
  const got = await store.get('u1');
  assert.equal(got?.credentialSealed, 'sealed-bytes');
  assert.equal(got?.skipCertVerify, true);
  assert.equal(await store.update('u2', { name: 'trivy' }), false);
  assert.equal(await store.update('u2', { name: 'clair-2', disabled: true }), true);
  assert.equal((await store.get('u2'))?.disabled, true);
  await store.setDefault('u1');
  await store.setDefault('u2');
  assert.deepEqual(
    (await store.list()).filter((r) => r.isDefault).map((r) => r.uuid),
    ['u2'],
  );
  await store.setDefault(null);
  assert.equal(
    (await store.list()).some((r) => r.isDefault),
    false,
  );
  await store.setProjectScanner(7, 'u1');
  assert.equal(await store.projectScanner(7), 'u1');
  await store.setProjectScanner(7, 'u2');
  assert.equal(await store.projectScanner(7), 'u2');
  await store.remove('u2');
  assert.equal(await store.projectScanner(7), null, 'a removed scanner is forgotten by its projects');
  assert.equal(await store.get('u2'), null);
}

describe('KyselyScannerStore', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('on SQLite', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-scanners-'));
    const store = await SqliteStore.open(join(dir, 'db.sqlite'));
    cleanups.push(async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });
    await exercise(KyselyScannerStore.over(store.db));
  });

  test('on PostgreSQL', async () => {
    const database = await createTestDatabase();
    const store = await PostgresStore.open({ url: database.url });
    cleanups.push(async () => {
      await store.close();
      await database.drop();
    });
    await exercise(KyselyScannerStore.over(store.db));
  });
});
