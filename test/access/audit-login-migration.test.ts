/**
 * Migration 0430_audit_login_rows: sign-ins recorded before it (resource type
 * `login`, read as "login login admin") become Harbor's shape, operation
 * `login` on resource type `user`; other rows are untouched.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { KyselyAccessStore } from '../../src/adapters/metadata/access-store.ts';
import { migrations } from '../../src/adapters/metadata/migrations.ts';
import type { NewAuditEvent } from '../../src/core/access/ports.ts';

test('old login rows move to resource type user', async () => {
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }) });
  const all = migrations('sqlite');
  const before = Object.fromEntries(Object.entries(all).filter(([name]) => name !== '0430_audit_login_rows'));
  const first = await new Migrator({ db, provider: { getMigrations: async () => before } }).migrateToLatest();
  if (first.error) throw first.error;
  const store = KyselyAccessStore.over(db);
  const row = (resourceType: string, operation: string, resource: string) =>
    ({
      username: 'admin',
      resource,
      resourceType,
      operation,
      result: 'success',
      project: null,
      address: '10.0.0.1',
    }) as NewAuditEvent;
  await store.appendAudit([row('login', 'login', 'admin'), row('artifact', 'push', 'team/app:v1')]);
  const second = await new Migrator({ db, provider: { getMigrations: async () => all } }).migrateToLatest();
  if (second.error) throw second.error;
  const items = (await store.listAudit({ offset: 0, limit: 10 })).items.map(
    (e) => `${e.operation} ${e.resourceType} ${e.resource}`,
  );
  assert.deepEqual(items.sort(), ['login user admin', 'push artifact team/app:v1']);
  await db.destroy();
});
