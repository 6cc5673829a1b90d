/**
 * Buffered pull events (src/core/access/audit-buffer.ts through AccessService):
 * successful pulls reach the store within a second or at once when the log is
 * read; everything else is written before audit() returns.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { KyselyAccessStore } from '../../src/adapters/metadata/access-store.ts';
import { migrationProvider } from '../../src/adapters/metadata/migrations.ts';
import { AuditBuffer } from '../../src/core/access/audit-buffer.ts';
import type { NewAuditEvent } from '../../src/core/access/ports.ts';
import { AccessService } from '../../src/core/access/service.ts';

async function service(): Promise<{ access: AccessService; store: KyselyAccessStore }> {
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }) });
  const { error } = await new Migrator({ db, provider: migrationProvider('sqlite') }).migrateToLatest();
  if (error) throw error;
  const store = KyselyAccessStore.over(db);
  return { access: new AccessService(store), store };
}

const event = (operation: string, result: 'success' | 'failure', tag: string): NewAuditEvent => ({
  username: 'ann',
  resource: `team/app:${tag}`,
  resourceType: 'artifact',
  operation,
  result,
  project: 'team',
  address: '10.0.0.1',
});

const stored = async (store: KyselyAccessStore) =>
  (await store.listAudit({ offset: 0, limit: 100 })).items.map((e) => `${e.operation}/${e.result}/${e.resource}`);

test('pushes, deletions and refused pulls are stored before audit() returns', async () => {
  const { access, store } = await service();
  await access.audit(event('push', 'success', 'v1'));
  await access.audit(event('pull', 'failure', 'v1'));
  await access.audit(event('delete', 'success', 'v1'));
  assert.deepEqual(await stored(store), [
    'delete/success/team/app:v1',
    'pull/failure/team/app:v1',
    'push/success/team/app:v1',
  ]);
});

test('successful pulls are stored in one batch within a second, in order, with the time they happened', async () => {
  const { access, store } = await service();
  const before = new Date().toISOString();
  for (let i = 0; i < 5; i++) await access.audit(event('pull', 'success', `v${i}`));
  assert.deepEqual(await stored(store), [], 'not yet written');
  await new Promise((r) => setTimeout(r, 1300));
  const items = (await store.listAudit({ offset: 0, limit: 100 })).items;
  assert.deepEqual(
    items.map((e) => e.resource).reverse(),
    [0, 1, 2, 3, 4].map((i) => `team/app:v${i}`),
  );
  for (const e of items) assert.ok(e.time >= before && e.time <= new Date().toISOString(), e.time);
});

test('reading the log through the service writes buffered pulls first; close() writes the rest', async () => {
  const { access, store } = await service();
  await access.audit(event('pull', 'success', 'a'));
  assert.equal((await access.listAudit({ offset: 0, limit: 10 })).total, 1);
  await access.audit(event('pull', 'success', 'b'));
  await access.close();
  assert.deepEqual(await stored(store), ['pull/success/team/app:b', 'pull/success/team/app:a']);
});

test('a burst of 1,200 pulls is written in batches without waiting for the timer', async () => {
  const { access, store } = await service();
  for (let i = 0; i < 1200; i++) await access.audit(event('pull', 'success', `t${i}`));
  await new Promise((r) => setTimeout(r, 100)); // well before the 1 s timer
  assert.equal((await store.listAudit({ offset: 0, limit: 1 })).total, 1000, 'two full batches of 500');
  await access.close();
  assert.equal((await store.listAudit({ offset: 0, limit: 1 })).total, 1200);
});

test('a pull repeated by the same caller from the same address within a batch is stored once', async () => {
  const { access } = await service();
  for (let i = 0; i < 50; i++) await access.audit(event('pull', 'success', 'v1'));
  await access.audit(event('pull', 'success', 'v2'));
  await access.audit({ ...event('pull', 'success', 'v1'), address: '10.0.0.2' });
  await access.audit({ ...event('pull', 'success', 'v1'), username: 'bob' });
  const rows = (await access.listAudit({ offset: 0, limit: 100 })).items;
  assert.equal(rows.length, 4, rows.map((e) => `${e.username} ${e.resource} ${e.address}`).join('\n'));
  // The next batch records the caller again.
  await access.audit(event('pull', 'success', 'v1'));
  assert.equal((await access.listAudit({ offset: 0, limit: 100 })).items.length, 5);
});

test('a repeated pull asks no time; the first one of the batch keeps its own and an explicit time is kept', async () => {
  const written: NewAuditEvent[][] = [];
  const buffer = new AuditBuffer({ appendAudit: async (events) => void written.push(events) }, () => {});
  let asked = 0;
  const at = () => `2026-12-07T03:00:0${asked++}.000Z`;
  for (let i = 0; i < 100; i++) buffer.add(event('pull', 'success', 'v1'), at);
  buffer.add({ ...event('pull', 'success', 'v2'), time: '2026-01-01T00:00:00.000Z' }, at);
  await buffer.flush();
  assert.equal(asked, 1);
  assert.deepEqual(
    written.flat().map((e) => `${e.resource} ${e.time}`),
    ['team/app:v1 2026-12-07T03:00:00.000Z', 'team/app:v2 2026-01-01T00:00:00.000Z'],
  );
});
