/**
 * The AccessStore on both dialects: the 0003_access migration and every
 * query, against SQLite (in memory) and PostgreSQL (a fresh database at
 * 127.0.0.1:5432, created and dropped here; skipped when unreachable).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { KyselyAccessStore } from '../../src/adapters/metadata/access-store.ts';
import { type Dialect, migrationProvider } from '../../src/adapters/metadata/migrations.ts';
import type { AccessStore, NewAuditEvent } from '../../src/core/access/ports.ts';

const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };

async function migrated(db: Kysely<unknown>, dialect: Dialect) {
  const { error, results } = await new Migrator({ db, provider: migrationProvider(dialect) }).migrateToLatest();
  if (error) throw error;
  const applied = new Map(results?.map((r) => [r.migrationName, r.status]));
  assert.equal(applied.get('0003_access'), 'Success');
  assert.ok(
    [...applied.values()].every((status) => status === 'Success'),
    JSON.stringify([...applied]),
  );
}

async function postgres(): Promise<{ db: Kysely<unknown>; drop(): Promise<void> } | null> {
  const admin = new pg.Client({ ...PG, database: 'test' });
  try {
    await admin.connect();
  } catch {
    return null;
  }
  const name = `berth_access_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const pool = new pg.Pool({ ...PG, database: name, max: 4 });
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    async drop() {
      await db.destroy();
      await admin.query(`DROP DATABASE ${name}`);
      await admin.end();
    },
  };
}

function suite(dialect: Dialect, open: () => Promise<{ db: Kysely<unknown>; drop(): Promise<void> } | null>) {
  describe(`AccessStore on ${dialect}`, async () => {
    const opened = await open();
    if (!opened) {
      test('PostgreSQL unreachable', { skip: true }, () => {});
      return;
    }
    after(() => opened.drop());
    await migrated(opened.db, dialect);
    const store: AccessStore = KyselyAccessStore.over(opened.db);

    const user = (username: string, sysadmin = false) => ({
      username,
      email: `${username}@x`,
      realname: username,
      comment: '',
      passwordHash: 'scrypt$x',
      sysadmin,
      source: 'local' as const,
      externalId: null,
      cliSecretHash: null,
    });

    test('users', async () => {
      const a = await store.createUser(user('ann', true));
      assert.ok(a && a.id > 0 && a.sysadmin);
      assert.equal(await store.createUser(user('ann')), null);
      await store.createUser(user('b_1'));
      await store.createUser(user('b%1'));
      assert.equal((await store.userByName('ann'))?.email, 'ann@x');
      const like = await store.listUsers({ offset: 0, limit: 10, username: 'b_' });
      assert.deepEqual(
        like.items.map((u) => u.username),
        ['b_1'],
      );
      assert.equal((await store.listUsers({ offset: 1, limit: 1 })).total, 3);
      await store.updateUser(a!.id, { sysadmin: false, email: 'new@x' });
      const updated = await store.userById(a!.id);
      assert.equal(updated?.sysadmin, false);
      assert.equal(updated?.email, 'new@x');
      assert.equal(updated?.passwordHash, 'scrypt$x');
    });

    test('projects and members', async () => {
      const ann = (await store.userByName('ann'))!;
      const bee = (await store.userByName('b_1'))!;
      const pub = (await store.createProject({ name: 'pub', public: true, ownerId: ann.id }))!;
      const priv = (await store.createProject({ name: 'priv', public: false, ownerId: ann.id }))!;
      await store.createProject({ name: 'other', public: false, ownerId: null });
      assert.equal(await store.createProject({ name: 'pub', public: false, ownerId: null }), null);
      assert.equal(pub.public, true);
      const m = await store.addMember(priv.id, bee.id, 'developer');
      assert.equal(m?.username, 'b_1');
      assert.equal(await store.addMember(priv.id, bee.id, 'guest'), null);
      assert.equal(await store.memberRole(priv.id, bee.id), 'developer');
      const names = async (visibleTo?: number | null) =>
        (await store.listProjects({ offset: 0, limit: 10, visibleTo })).items.map((p) => p.name);
      assert.deepEqual(await names(), ['other', 'priv', 'pub']);
      assert.deepEqual(await names(null), ['pub']);
      assert.deepEqual(await names(bee.id), ['priv', 'pub']);
      await store.updateMember(m!.id, 'maintainer');
      assert.equal((await store.listMembers(priv.id, { offset: 0, limit: 5 })).items[0].role, 'maintainer');
      await store.updateProject(priv.id, { public: true });
      assert.equal((await store.projectByName('priv'))?.public, true);
      assert.ok(await store.deleteUser(bee.id));
      assert.equal(await store.memberRole(priv.id, bee.id), null);
    });

    test('robots', async () => {
      const priv = (await store.projectByName('priv'))!;
      const perms = [
        {
          kind: 'project' as const,
          namespace: 'priv',
          access: [{ resource: 'repository' as const, action: 'pull' as const }],
        },
      ];
      const r = await store.createRobot({
        name: 'robot$priv+ci',
        description: '',
        level: 'project',
        projectId: priv.id,
        secretHash: 'h',
        disabled: false,
        expiresAt: null,
        permissions: perms,
        creator: 'ann',
      });
      assert.deepEqual(r?.permissions, perms);
      await store.updateRobot(r!.id, { disabled: true, expiresAt: '2030-01-01T00:00:00.000Z' });
      const got = await store.robotByName('robot$priv+ci');
      assert.equal(got?.disabled, true);
      assert.equal(got?.expiresAt, '2030-01-01T00:00:00.000Z');
      assert.equal((await store.listRobots({ offset: 0, limit: 10, projectId: priv.id })).total, 1);
      assert.ok(await store.deleteProject(priv.id));
      assert.equal(await store.robotByName('robot$priv+ci'), null);
    });

    test('audit events', async () => {
      const event = (i: number): NewAuditEvent => ({
        username: 'ann',
        resource: `pub/app:v${i}`,
        resourceType: 'artifact',
        operation: i === 2 ? 'delete' : 'push',
        result: 'success',
        project: 'pub',
        address: '10.0.0.1',
      });
      await store.appendAudit([event(0)]);
      await store.appendAudit([event(1), event(2)]); // a batch keeps its order
      await store.appendAudit([]);
      const all = await store.listAudit({ offset: 0, limit: 2, project: 'pub' });
      assert.equal(all.total, 3);
      assert.deepEqual(
        all.items.map((e) => e.resource),
        ['pub/app:v2', 'pub/app:v1'],
      );
      assert.equal((await store.listAudit({ offset: 0, limit: 10, operation: 'push' })).total, 2);
    });
  });
}

suite('sqlite', async () => {
  const sqlite = new SqliteDatabase(':memory:');
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, drop: () => db.destroy() };
});
suite('postgres', postgres);
