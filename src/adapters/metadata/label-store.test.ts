import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createTestDatabase } from '../../../test/support/postgres.ts';
import { KyselyLabelStore } from './label-store.ts';
import { PostgresStore } from './postgres.ts';
import { SqliteStore } from './sqlite.ts';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

async function exercise(labels: KyselyLabelStore) {
  const prod = await labels.create({ name: 'prod', description: '', color: '#0a0', scope: 'g', projectId: 0 });
  assert.ok(prod);
  assert.equal(await labels.create({ name: 'prod', description: '', color: '', scope: 'g', projectId: 0 }), null);
  const qa = await labels.create({ name: 'qa', description: 'd', color: '', scope: 'p', projectId: 7 });
  assert.ok(qa);
  assert.ok(await labels.create({ name: 'prod', description: '', color: '', scope: 'p', projectId: 7 }), 'other scope');
  assert.deepEqual(
    (await labels.list({ scope: 'p', projectId: 7, offset: 0, limit: 10 })).items.map((l) => l.name),
    ['prod', 'qa'],
  );
  assert.equal((await labels.list({ scope: 'g', projectId: 0, name: 'ro', offset: 0, limit: 10 })).total, 1);
  assert.equal(await labels.attach('team/app', D1, prod.id), true);
  assert.equal(await labels.attach('team/app', D1, prod.id), false);
  await labels.attach('team/app', D1, qa.id);
  await labels.attach('team/app', D2, qa.id);
  assert.deepEqual([...(await labels.digestsWith('team/app', [prod.id, qa.id], true))], [D1]);
  assert.deepEqual([...(await labels.digestsWith('team/app', [prod.id, qa.id], false))].sort(), [D1, D2]);
  assert.deepEqual(
    (await labels.attached('team/app', [D1])).get(D1)?.map((l) => l.name),
    ['prod', 'qa'],
  );
  assert.equal(await labels.update(qa.id, { name: 'prod' }), false, 'name taken in the project');
  assert.equal(await labels.update(qa.id, { name: 'staging' }), true);
  await labels.remove(qa.id);
  assert.equal(await labels.get(qa.id), null);
  assert.deepEqual([...(await labels.digestsWith('team/app', [qa.id], false))], []);
  assert.equal(await labels.detach('team/app', D1, prod.id), true);
  assert.equal(await labels.detach('team/app', D1, prod.id), false);
}

describe('KyselyLabelStore', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('on SQLite', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-labels-'));
    const store = await SqliteStore.open(join(dir, 'db.sqlite'));
    cleanups.push(async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });
    await exercise(KyselyLabelStore.over(store.db));
  });

  test('on PostgreSQL', async () => {
    const database = await createTestDatabase();
    const store = await PostgresStore.open({ url: database.url });
    cleanups.push(async () => {
      await store.close();
      await database.drop();
    });
    await exercise(KyselyLabelStore.over(store.db));
  });
});
