import assert from 'node:assert/strict';
import { test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { KyselyAccessStore } from '../../src/adapters/metadata/access-store.ts';
import { migrationProvider } from '../../src/adapters/metadata/migrations.ts';
import { ensureAdmin } from '../../src/core/access/bootstrap.ts';
import { verifySecret } from '../../src/core/access/passwords.ts';

async function store() {
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }) });
  await new Migrator({ db, provider: migrationProvider('sqlite') }).migrateToLatest();
  return { db, store: KyselyAccessStore.over(db) };
}

test('admin when there is no administrator; a weak BERTH_ADMIN_PASSWORD stops the start', async () => {
  const { db, store: s } = await store();
  await assert.rejects(ensureAdmin(s, 'weak'), /BERTH_ADMIN_PASSWORD/);
  assert.deepEqual(await ensureAdmin(s, 'Strong-pass-1'), { generated: null });
  const admin = await s.userByName('admin');
  assert.ok(admin?.sysadmin);
  assert.ok(await verifySecret('Strong-pass-1', admin?.passwordHash ?? null));
  // deleted later while another administrator exists: a restart does not bring it back
  await s.createUser({ ...admin!, username: 'boss' });
  await s.deleteUser(admin!.id);
  assert.deepEqual(await ensureAdmin(s, 'Strong-pass-1'), { generated: null });
  assert.equal(await s.userByName('admin'), null);
  await db.destroy();
});

test('a generated password is returned once; users made before the first start do not stop it', async () => {
  const { db, store: s } = await store();
  await s.createUser({
    username: 'early',
    email: '',
    realname: '',
    comment: '',
    passwordHash: null,
    sysadmin: false,
    source: 'local',
    externalId: null,
    cliSecretHash: null,
  });
  const first = await ensureAdmin(s);
  assert.ok(first.generated && first.generated.length >= 24);
  assert.ok(await verifySecret(first.generated, (await s.userByName('admin'))?.passwordHash ?? null));
  assert.deepEqual(await ensureAdmin(s), { generated: null });
  await db.destroy();
});
